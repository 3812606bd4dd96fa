/**
 * Whole-table reads and writes for export/import (part of the Store). Rows travel in the
 * SQLite shape (times as ISO text, tags as JSON text) whatever the backend, so an export from
 * one backend imports into the other unchanged.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import { portableTags } from './snapshot-rows.js';
import type { Database } from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;
export type Row = Record<string, unknown>;

/** Every table, parents before children (the order import inserts them in). */
export const TABLES = [
  'projects',
  'collections',
  'snapshots',
  'snapshot_tags',
  'artifacts',
  'tokens',
  'project_members',
  'idempotency_keys',
  'consumed_upload_nonces',
  'events',
  'webhooks',
  'webhook_deliveries',
  'webhook_attempts',
  'retention_policies',
  'trust_policies',
  'diff_tolerances',
  'head_sets',
  'reviews',
  'plot_diffs',
] as const satisfies ReadonlyArray<keyof Database>;
export type TableName = (typeof TABLES)[number];

/** Tables whose integer id the database generates (identity on PostgreSQL). */
const GENERATED_IDS: ReadonlySet<TableName> = new Set(['events', 'webhook_attempts']);
const CHUNK = 200;

export function transferQueries(db: Executor, dialect: Dialect) {
  return {
    /** All rows of a table, in the portable shape. */
    async dumpRows(table: TableName): Promise<Row[]> {
      const rows = (await db.selectFrom(table).selectAll().execute()) as Row[];
      if (table === 'snapshots') {
        for (const r of rows) r.tags = portableTags.dump(dialect, r.tags);
      }
      // PostgreSQL's stream position (0013) is not part of the portable shape.
      if (table === 'events') for (const r of rows) delete r.seq;
      return rows;
    },
    async countRows(table: TableName): Promise<number> {
      const r = await db
        .selectFrom(table)
        .select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /** Inserts portable rows as they are, generated ids included. */
    async loadRows(table: TableName, rows: Row[]): Promise<void> {
      for (let i = 0; i < rows.length; i += CHUNK) {
        let chunk = rows.slice(i, i + CHUNK);
        if (dialect === 'sqlite') {
          let q = db.insertInto(table).values(chunk as never);
          // The snapshots' insert trigger (0016) wrote these rows already.
          if (table === 'snapshot_tags') q = q.onConflict((c) => c.doNothing());
          await q.execute();
          continue;
        }
        if (table === 'snapshots') {
          chunk = chunk.map((r) => ({ ...r, tags: portableTags.load(dialect, r.tags) }));
        }
        // Imported events keep their id as stream position, as 0013 did for existing ones.
        if (table === 'events') chunk = chunk.map((r) => ({ ...r, seq: r.id }));
        const columns = Object.keys(chunk[0]!);
        const values = chunk.map((r) => sql`(${sql.join(columns.map((c) => r[c]))})`);
        // Identity columns are GENERATED ALWAYS: keep the exported ids (SSE resume ids).
        const overriding = GENERATED_IDS.has(table) ? sql`overriding system value` : sql``;
        const conflict = table === 'snapshot_tags' ? sql`on conflict do nothing` : sql``;
        await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
          ${overriding} values ${sql.join(values)} ${conflict}`.execute(db);
      }
    },
    /** After importing explicit ids: new rows continue after the largest one (PostgreSQL). */
    async resetSequences(): Promise<void> {
      if (dialect !== 'postgres') return;
      for (const table of GENERATED_IDS) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'),
          coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
      }
      await sql`select setval('events_seq',
        coalesce((select max(seq) from events), 0) + 1, false)`.execute(db);
    },
  };
}
