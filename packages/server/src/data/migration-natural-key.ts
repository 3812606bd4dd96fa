/**
 * 0005: the natural-key lookup (findByNaturalKey, inside every publish's write transaction)
 * filters on (project_id, commit_sha, title, collection_id) and takes the newest by id. The old
 * index stopped at title, so the ORDER BY id still needed a sort and SQLite preferred walking
 * snapshots_project_id backwards, reading every snapshot of the project (~40-90 ms a publish
 * at 100k snapshots). With collection_id and id in the index, one index probe answers
 * filter and order on both engines; the old index is a prefix of the new one and goes.
 */
import type { Kysely, Migration } from 'kysely';

export const naturalKeyIndex = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('snapshots_natural_key_id')
      .on('snapshots')
      .columns(['project_id', 'commit_sha', 'title', 'collection_id', 'id'])
      .execute();
    await db.schema.dropIndex('snapshots_natural_key').execute();
  },
});
