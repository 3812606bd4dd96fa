/**
 * 0003 (PostgreSQL only; a no-op on SQLite): row-level security on the project-scoped tables.
 * A row is visible when its project is in the transaction's `app.principal_projects` setting
 * (comma-separated ids, or `*` for the server's own work: admin commands, workers, signed
 * upload and delivery URLs). No setting, no rows. FORCE makes the policies bind the table
 * owner too, so the app may own its schema; superusers and BYPASSRLS roles still bypass them,
 * which is why the server must connect as an ordinary role (README "Scaling out").
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** The tables with a policy, and the column naming their project. */
export const RLS_TABLES: Record<string, string> = {
  projects: 'id',
  collections: 'project_id',
  snapshots: 'project_id',
  events: 'project_id',
};

/** 0003 for a dialect. */
export const rowLevelSecurity = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    if (dialect !== 'postgres') return;
    await sql`
      create function snapshotplot_visible(project text) returns boolean
      language sql stable as $$
        select coalesce(current_setting('app.principal_projects', true), '') = '*'
            or project = any(string_to_array(
                 nullif(current_setting('app.principal_projects', true), ''), ','))
      $$`.execute(db);
    for (const [table, column] of Object.entries(RLS_TABLES)) {
      const t = sql.table(table);
      const c = sql.ref(column);
      await sql`alter table ${t} enable row level security`.execute(db);
      await sql`alter table ${t} force row level security`.execute(db);
      await sql`create policy principal_projects on ${t}
        using (snapshotplot_visible(${c})) with check (snapshotplot_visible(${c}))`.execute(db);
    }
  },
});
