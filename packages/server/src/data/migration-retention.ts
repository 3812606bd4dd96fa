/**
 * 0006: what the clean-up needs per project: its default branch (retention keeps that branch
 * whole), the quota limits (null = off) and the retention policies, one per project and
 * optional collection (collection '' = the whole project; a collection's own policy replaces
 * the project's for that collection).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { type Dialect, textType, timeType } from './dialect.js';

/** 0006 for a dialect. */
export const quotasAndRetention = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const text = textType(dialect);
    // Byte totals pass 2 GiB: bigint on PostgreSQL (SQLite integers are 64-bit anyway).
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .alterTable('projects')
      .addColumn('default_branch', text, (c) => c.notNull().defaultTo('main'))
      .execute();
    await db.schema.alterTable('projects').addColumn('max_bytes', big).execute();
    await db.schema.alterTable('projects').addColumn('max_snapshots', 'integer').execute();
    await db.schema
      .createTable('retention_policies')
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('collection', text, (c) => c.notNull().defaultTo(''))
      .addColumn('keep_per_title', 'integer')
      .addColumn('pr_days', 'integer')
      .addColumn('created_at', timeType(dialect), (c) => c.notNull())
      .addPrimaryKeyConstraint('retention_policies_pk', ['project_id', 'collection'])
      .execute();
    if (dialect !== 'postgres') return;
    // Project-scoped like the tables of 0003: the same policy (only admin commands and the
    // server's own sweep, both unrestricted, touch it today; a request scope would see its own).
    await sql`alter table retention_policies enable row level security`.execute(db);
    await sql`alter table retention_policies force row level security`.execute(db);
    await sql`create policy principal_projects on retention_policies
      using (snapshotplot_visible(project_id)) with check (snapshotplot_visible(project_id))`.execute(
      db,
    );
  },
});
