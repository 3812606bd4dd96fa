/**
 * 0010: indexes for the hot list reads. Every list is `project_id = ? [and filter] order by id
 * desc limit n`; with only snapshots_project_id the planner walks the project's rows newest
 * first and filters them, which reads every snapshot of the project when the filter is rare
 * (a branch, a PR, pending rows, one plot's history). Each index below starts with the filter
 * column after project_id and ends with id, so one probe answers filter and order. The commit
 * filter is a prefix range on snapshots_natural_key_id; the tag filter probes
 * snapshot_tags_tag_id (tag, snapshot_id). The free-text `q` filter has no index here: on
 * SQLite it reads the project newest first until the page is full; on PostgreSQL 0015 adds
 * pg_trgm indexes on a side table (migration-text-index.ts).
 */
import type { Kysely, Migration } from 'kysely';

const SNAPSHOT_INDEXES: Array<[string, string[]]> = [
  ['snapshots_branch_id', ['project_id', 'branch', 'id']],
  ['snapshots_pr_id', ['project_id', 'pr_number', 'id']],
  ['snapshots_author_id', ['project_id', 'author', 'id']],
  ['snapshots_status_id', ['project_id', 'status', 'id']],
  ['snapshots_collection_id', ['project_id', 'collection_id', 'id']],
  ['snapshots_title_id', ['project_id', 'title', 'collection_id', 'id']],
];

export const listIndexes = (): Migration => ({
  async up(db: Kysely<unknown>) {
    for (const [name, columns] of SNAPSHOT_INDEXES) {
      await db.schema.createIndex(name).on('snapshots').columns(columns).execute();
    }
    await db.schema
      .createIndex('snapshot_tags_tag_id')
      .on('snapshot_tags')
      .columns(['tag', 'snapshot_id'])
      .execute();
    await db.schema.dropIndex('snapshot_tags_tag').execute();
  },
});
