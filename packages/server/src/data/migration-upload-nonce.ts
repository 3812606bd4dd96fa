/**
 * 0014: an uploaded artifact row remembers the upload URL's nonce (null for direct publish,
 * presigned uploads and rows from before). An artifact of a kind is stored once per snapshot,
 * so the row is what makes the URL single-use: the upload writes one row instead of a
 * consumed_upload_nonces row and then the artifact (issue 16, statements per snapshot).
 * consumed_upload_nonces stays for the login links and for URLs used before this migration.
 */
import type { Kysely, Migration } from 'kysely';
import { type Dialect, textType } from './dialect.js';

export const uploadNonce = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('artifacts').addColumn('upload_nonce', textType(dialect)).execute();
  },
});
