/**
 * 0008: plot review. Per project what a change does to the commit status (`on_change`) and the
 * share of changed pixels allowed (`diff_tolerance`, 0..1; a collection may set its own in
 * `diff_tolerances`); the head sets declared complete (`head_sets`, what `POST …/comparisons`
 * records, so `removed` items are reported); review decisions (`reviews`, each on one pair of
 * head and baseline snapshot ids, so a re-published head lapses them); and the pixel diff cache
 * (`plot_diffs`, keyed by the two plots' sha256s). Indexes serve the baseline lookups: by
 * commit (0005's index), and by branch per title, newest first.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { type Dialect, textType, timeType } from './dialect.js';

const RLS_TABLES = ['diff_tolerances', 'head_sets', 'reviews', 'plot_diffs'];

/** 0008 for a dialect. */
export const reviewsAndDiffs = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const text = textType(dialect);
    const time = timeType(dialect);
    const real = dialect === 'postgres' ? 'double precision' : 'real';
    await db.schema
      .alterTable('projects')
      .addColumn('on_change', text, (c) => c.notNull().defaultTo('pending'))
      .execute();
    await db.schema
      .alterTable('projects')
      .addColumn('diff_tolerance', real, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('diff_tolerances')
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('collection', text, (c) => c.notNull())
      .addColumn('tolerance', real, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('diff_tolerances_pk', ['project_id', 'collection'])
      .execute();
    await db.schema
      .createTable('head_sets')
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('commit_sha', text, (c) => c.notNull())
      .addColumn('completed_at', time, (c) => c.notNull())
      .addColumn('base_sha', text)
      .addColumn('base_branch', text, (c) => c.notNull())
      .addColumn('pr_number', 'integer')
      .addPrimaryKeyConstraint('head_sets_pk', ['project_id', 'commit_sha'])
      .execute();
    await db.schema
      .createTable('reviews')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('head_sha', text, (c) => c.notNull())
      // '' = no collection (a null would not compare equal in the lookup).
      .addColumn('collection', text, (c) => c.notNull())
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('head_snapshot_id', text)
      .addColumn('base_snapshot_id', text)
      .addColumn('decision', text, (c) => c.notNull())
      .addColumn('reviewer', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('reviews_head')
      .on('reviews')
      .columns(['project_id', 'head_sha', 'collection', 'title', 'created_at'])
      .execute();
    await db.schema
      .createTable('plot_diffs')
      .addColumn('project_id', text, (c) =>
        c.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('base_sha256', text, (c) => c.notNull())
      .addColumn('head_sha256', text, (c) => c.notNull())
      .addColumn('method', text, (c) => c.notNull())
      .addColumn('compared', 'integer', (c) => c.notNull())
      .addColumn('reason', text)
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('changed_pixels', 'integer')
      .addColumn('storage_key', text)
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('plot_diffs_pk', ['project_id', 'base_sha256', 'head_sha256'])
      .execute();
    // Baselines: the snapshots of one commit (merge base) are found by 0005's
    // snapshots_natural_key_id (project_id, commit_sha, …); the branch fallback wants one
    // branch's snapshots per title, newest first.
    await db.schema
      .createIndex('snapshots_branch_title')
      .on('snapshots')
      .columns(['project_id', 'branch', 'collection_id', 'title', 'created_at', 'id'])
      .execute();
    if (dialect !== 'postgres') return;
    // Project-scoped like 0006 and 0007.
    for (const table of RLS_TABLES) {
      await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
      await sql`alter table ${sql.table(table)} force row level security`.execute(db);
      await sql`create policy principal_projects on ${sql.table(table)}
        using (snapshotplot_visible(project_id)) with check (snapshotplot_visible(project_id))`.execute(
        db,
      );
    }
  },
});
