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

/** The channel replicas LISTEN on; the payload is the new event's id. */
export const EVENTS_CHANNEL = 'snapshotplot_events';

export function eventQueries(db: Executor, dialect: Dialect = 'sqlite') {
  const queries = {
    /**
     * Appends an event; returns its id (the SSE `id:`). On PostgreSQL an identity value is
     * taken at insert but becomes visible at commit, so two writers could commit 11 before 10
     * and a stream that saw 11 would skip 10: a transaction-scoped advisory lock serialises
     * event writers until commit, so ids become visible in order. NOTIFY is sent at commit.
     */
    async insertEvent(row: NewEvent): Promise<number> {
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtextextended('snapshotplot:events', 0))`.execute(
          db,
        );
      }
      const r = await db.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow();
      if (dialect === 'postgres') {
        await sql`select pg_notify(${EVENTS_CHANNEL}, ${String(r.id)})`.execute(db);
      }
      return Number(r.id);
    },
    /** The project of one event (a replica resolving a NOTIFY payload). */
    async eventProject(id: number): Promise<string | undefined> {
      const r = await db
        .selectFrom('events')
        .select('project_id')
        .where('id', '=', id)
        .executeTakeFirst();
      return r?.project_id;
    },
    /** Events of a project after `afterId`, oldest first. */
    async eventsAfter(projectId: string, afterId: number, limit: number): Promise<EventRow[]> {
      return db
        .selectFrom('events')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    /** The newest event id of any project (0 when none): a fresh stream starts after it. */
    async lastEventId(): Promise<number> {
      const r = await db
        .selectFrom('events')
        .select((eb) => eb.fn.max('id').as('id'))
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
    /** Endpoints that receive new events of a project. */
    async activeWebhooks(projectId: string) {
      return db
        .selectFrom('webhooks')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('disabled_at', 'is', null)
        .execute();
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
