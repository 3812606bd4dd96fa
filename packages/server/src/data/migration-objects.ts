/**
 * 0009: content-addressed artifact objects (storage/objects.ts). An object's references are
 * the artifacts rows naming its storage_key, counted each time a reference goes or a new
 * upload settles; this index makes that count one probe on both engines. No counter column:
 * a count that is derived cannot drift from the rows (a crash between two writes, a restore).
 */
import type { Kysely, Migration } from 'kysely';

export const artifactObjectIndex = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('artifacts_storage_key')
      .on('artifacts')
      .column('storage_key')
      .execute();
  },
});
