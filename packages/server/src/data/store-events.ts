/** Event log, webhook endpoints and the delivery queue (part of the Store). */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import type {
  Database,
  EventsTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;
type NewEvent = Omit<EventsTable, 'id'>;
export type EventRow = Omit<EventsTable, 'id'> & { id: number };
export type DeliveryRow = WebhookDeliveriesTable;
export type AttemptRow = Omit<WebhookAttemptsTable, 'id'> & { id: number };

/** The channel replicas LISTEN on; the payload is the project whose events got positions. */
export const EVENTS_CHANNEL = 'snapshotplot_events';

/** Told when a query appended an event (the PostgreSQL store sequences after the commit). */
export interface EventHooks {
  inserted(): void;
}

/*
 * Stream order on PostgreSQL (0013). An identity id is taken at insert but becomes visible at
 * commit, so ids commit out of order (10 after 11) and a stream that read past 11 would skip
 * 10. Instead of serialising event writers until their commit (the advisory lock this used to
 * hold across the publish transaction's round trips), an event commits with its state change
 * without a position (`seq` null), and `snapshotplot_sequence_events()` gives every committed
 * event without one the next positions in one statement: under a transaction-level advisory
 * lock that lives only inside that statement, so sequencing runs one at a time and each run's
 * positions are visible before the next run takes any. Streams read by `seq`, so they never
 * see a later position before an earlier one. A writer that dies between its commit and
 * sequencing loses nothing: the next run (anyone's, or the store's timer) takes its events.
 * SQLite has one writer at a time, so there id order is commit order and `seq` is not used.
 */

export function eventQueries(db: Executor, dialect: Dialect = 'sqlite', hooks?: EventHooks) {
  const queries = {
    /**
     * Appends an event; returns its id (the webhook deliveries' event_id; on SQLite also its
     * stream position). On PostgreSQL it has no stream position until sequenceEvents runs.
     */
    async insertEvent(row: NewEvent): Promise<number> {
      const r = await db.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow();
      hooks?.inserted();
      return Number(r.id);
    },
    /**
     * PostgreSQL: gives committed events their stream positions and NOTIFYs each project that
     * got some (at this statement's commit); returns those projects. Run outside a transaction.
     */
    async sequenceEvents(): Promise<string[]> {
      if (dialect !== 'postgres') return [];
      const r = await sql<{ project_id: string }>`
        select project_id from snapshotplot_sequence_events() as project_id`.execute(db);
      return r.rows.map((x) => x.project_id);
    },
    /** Events of a project after stream position `afterId`, oldest first; `id` is the position. */
    async eventsAfter(projectId: string, afterId: number, limit: number): Promise<EventRow[]> {
      if (dialect === 'postgres') {
        const rows = await db
          .selectFrom('events')
          .select(['seq', 'project_id', 'type', 'payload', 'created_at'])
          .where('project_id', '=', projectId)
          .where('seq', '>', afterId)
          .orderBy('seq')
          .limit(limit)
          .execute();
        return rows.map(({ seq, ...r }) => ({ ...r, id: Number(seq) }));
      }
      return db
        .selectFrom('events')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    /** The newest stream position of any project (0 when none): a fresh stream starts after it. */
    async lastEventId(): Promise<number> {
      const r = await db
        .selectFrom('events')
        .select((eb) => eb.fn.max(dialect === 'postgres' ? 'seq' : 'id').as('id'))
        .executeTakeFirst();
      return Number(r?.id ?? 0);
    },
    /** Forgets events and finished deliveries older than the cutoff. */
    async pruneEvents(cutoff: string): Promise<number> {
      const r = await db.deleteFrom('events').where('created_at', '<', cutoff).executeTakeFirst();
      await db
        .deleteFrom('webhook_deliveries')
        .where('state', 'in', ['delivered', 'failed'])
        .where('completed_at', '<', cutoff)
        .execute();
      return Number(r.numDeletedRows);
    },
    async insertWebhook(row: WebhooksTable): Promise<void> {
      await db.insertInto('webhooks').values(row).execute();
    },
    /** Replaces an endpoint's stored secret (sealing one an earlier version kept in clear). */
    async setWebhookSecret(id: string, secret: string): Promise<void> {
      await db.updateTable('webhooks').set({ secret }).where('id', '=', id).execute();
    },
    async getWebhook(id: string) {
      return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listWebhooks(projectId?: string) {
      let q = db.selectFrom('webhooks').selectAll().orderBy('id');
      if (projectId) q = q.where('project_id', '=', projectId);
      return q.execute();
    },
    /** Deletes an endpoint and its deliveries; false when there is none. */
    async deleteWebhook(id: string): Promise<boolean> {
      const r = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** Disables an endpoint and fails its queued deliveries. */
    async disableWebhook(id: string, now: string, reason: string): Promise<void> {
      await db
        .updateTable('webhooks')
        .set({ disabled_at: now, disabled_reason: reason })
        .where('id', '=', id)
        .execute();
      await db
        .updateTable('webhook_deliveries')
        .set({ state: 'failed', completed_at: now, last_error: reason })
        .where('webhook_id', '=', id)
        .where('state', 'in', ['pending', 'sending'])
        .execute();
    },
    async insertDelivery(row: DeliveryRow): Promise<void> {
      await db.insertInto('webhook_deliveries').values(row).execute();
    },
    /** Ids of deliveries due now: pending ones, and sending ones whose lease ran out (a crash). */
    async dueDeliveries(now: string, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('state', 'in', ['pending', 'sending'])
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    /**
     * Claims a due delivery until `leaseUntil`: a conditional UPDATE, so of several workers
     * (or PostgreSQL replicas) exactly one wins. True when this caller won.
     */
    async claimDelivery(id: string, now: string, leaseUntil: string): Promise<boolean> {
      const r = await db
        .updateTable('webhook_deliveries')
        .set({ state: 'sending', next_attempt_at: leaseUntil })
        .where('id', '=', id)
        .where('state', 'in', ['pending', 'sending'])
        .where('next_attempt_at', '<=', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /**
     * Claims up to `limit` due deliveries until `leaseUntil`; `due` is how many were due (a
     * full batch means: poll again). PostgreSQL: one UPDATE over a `FOR UPDATE SKIP LOCKED`
     * subquery, so replicas polling together take disjoint rows without waiting on each other.
     * SQLite: the due ids, each claimed by the conditional UPDATE of claimDelivery.
     */
    async claimDue(now: string, leaseUntil: string, limit: number) {
      if (dialect === 'postgres') {
        const rows = await db
          .updateTable('webhook_deliveries')
          .set({ state: 'sending', next_attempt_at: leaseUntil })
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('webhook_deliveries')
              .select('id')
              .where('state', 'in', ['pending', 'sending'])
              .where('next_attempt_at', '<=', now)
              .orderBy('next_attempt_at')
              .limit(limit)
              .forUpdate()
              .skipLocked(),
          )
          .returning('id')
          .execute();
        return { due: rows.map((r) => r.id), claimed: rows.map((r) => r.id) };
      }
      const due = await queries.dueDeliveries(now, limit);
      const claimed: string[] = [];
      for (const id of due) if (await queries.claimDelivery(id, now, leaseUntil)) claimed.push(id);
      return { due, claimed };
    },
    /** A delivery with its endpoint. */
    async deliveryWithWebhook(id: string) {
      return db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
        .selectAll('d')
        .select(['w.url', 'w.secret', 'w.disabled_at'])
        .where('d.id', '=', id)
        .executeTakeFirst();
    },
    async updateDelivery(id: string, set: Partial<DeliveryRow>): Promise<void> {
      await db.updateTable('webhook_deliveries').set(set).where('id', '=', id).execute();
    },
    async insertAttempt(row: Omit<WebhookAttemptsTable, 'id'>): Promise<void> {
      await db.insertInto('webhook_attempts').values(row).execute();
    },
    /** Deliveries of a project, newest first, each with its attempts (oldest first). */
    async listDeliveries(projectId: string, limit: number) {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      const attempts = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        ...r,
        attempt_log: attempts.filter((a) => a.delivery_id === r.id) as AttemptRow[],
      }));
    },
  };
  return queries;
}
