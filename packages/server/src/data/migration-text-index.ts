/**
 * 0015 (PostgreSQL only; a no-op on SQLite): an index for the free-text `q` filter
 * (`lower(title) like '%q%' or lower(description) like '%q%'`). Without one PostgreSQL scans the
 * project and sorts every match (issue 14: 193 ms p50 at 100k). A pg_trgm index on snapshots
 * itself would never be used: under row-level security PostgreSQL uses a condition as an index
 * condition only if its functions are LEAKPROOF (evaluated before the policy, they could leak
 * rows it hides), and `lower()` and LIKE are not (only a superuser may mark them). So the
 * lowercased title and description live in `snapshot_text` (snapshot id, project id, title,
 * description), kept by a statement trigger on snapshots and by ON DELETE CASCADE, without a
 * policy; the query reads it only for ids (`s.id in (select ... where project_id = ?)`) and the
 * rows shown still come from snapshots under its policy. Two pg_trgm GIN indexes on it answer
 * q. pg_trgm is a trusted extension (PG 13+): the database owner may create it. Where it
 * cannot (PG 12, the package not installed) the migration still succeeds without the GIN
 * indexes (q then scans snapshot_text, still without the policy's cost per row) and the server
 * warns at start-up (textIndexWarning) with the statements a superuser can run.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * The GIN indexes 0015 makes, and the statements that make them (also in the warning).
 * `fastupdate = off`: with GIN's pending list the planner costs the index by the list's size
 * and, until VACUUM merges it, prefers a scan of snapshot_text (seen at 20k rows); each insert
 * then updates the index directly (a title's dozen trigrams), a cost inside PostgreSQL only.
 */
export const TEXT_INDEXES: Array<[string, string]> = [
  [
    'snapshot_text_title_trgm',
    'create index if not exists snapshot_text_title_trgm on snapshot_text using gin (title gin_trgm_ops) with (fastupdate = off)',
  ],
  [
    'snapshot_text_description_trgm',
    'create index if not exists snapshot_text_description_trgm on snapshot_text using gin (description gin_trgm_ops) with (fastupdate = off)',
  ],
];

const copy = (
  from: string,
) => `insert into snapshot_text (snapshot_id, project_id, title, description)
  select id, project_id, lower(title), lower(description) from ${from}`;

async function createTable(db: Kysely<unknown>) {
  await sql`create table snapshot_text (
    snapshot_id text primary key references snapshots (id) on delete cascade,
    project_id text not null,
    title text not null,
    description text)`.execute(db);
  // Statement triggers over transition tables, as plot_heads' (0012): one insert per
  // statement however many rows it writes.
  await sql
    .raw(`create function snapshotplot_snapshot_text() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then ${copy('new_rows')};
      else
        update snapshot_text t set project_id = n.project_id, title = lower(n.title),
          description = lower(n.description)
        from new_rows n join old_rows o on o.id = n.id
        where t.snapshot_id = n.id and (n.title is distinct from o.title
          or n.description is distinct from o.description or n.project_id is distinct from o.project_id);
      end if;
      return null;
    end $$`)
    .execute(db);
  await sql
    .raw(`create trigger snapshot_text_insert after insert on snapshots
      referencing new table as new_rows for each statement execute function snapshotplot_snapshot_text()`)
    .execute(db);
  await sql
    .raw(`create trigger snapshot_text_update after update on snapshots
      referencing old table as old_rows new table as new_rows
      for each statement execute function snapshotplot_snapshot_text()`)
    .execute(db);
  // The backfill must see every project's rows (0003's policy), for this transaction only.
  await sql`select set_config('app.principal_projects', '*', true)`.execute(db);
  await sql.raw(copy('snapshots')).execute(db);
}

export const textIndex = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    if (dialect !== 'postgres') return;
    await createTable(db);
    // The Migrator runs every migration in one transaction: a failed CREATE EXTENSION would
    // abort it, so it runs under a savepoint and only its own failure is rolled back.
    await sql`savepoint text_index`.execute(db);
    try {
      await sql`create extension if not exists pg_trgm`.execute(db);
      await sql`release savepoint text_index`.execute(db);
    } catch {
      await sql`rollback to savepoint text_index`.execute(db);
      return;
    }
    for (const [, statement] of TEXT_INDEXES) await sql.raw(statement).execute(db);
  },
});

/**
 * The start-up warning when 0015 could not make the GIN indexes (undefined when they exist):
 * what is slower and the fix.
 */
export async function textIndexWarning(
  query: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>,
): Promise<string | undefined> {
  const names = TEXT_INDEXES.map(([name]) => name);
  const found = await query(
    'select indexname from pg_indexes where schemaname = current_schema() and indexname = any($1)',
    [names],
  );
  if (found.rows.length === names.length) return undefined;
  return `the pg_trgm indexes for the free-text q filter are missing (the pg_trgm extension could not be created as this role), so q reads every snapshot of a project; as a superuser run in this database: create extension pg_trgm; ${TEXT_INDEXES.map(([, s]) => s).join('; ')} (server README "PostgreSQL")`;
}
