/**
 * 0004: gallery sessions stored server-side, so sign-out (and an admin) can end one: the
 * signed cookie only names a row here, and a row that is revoked, expired or gone refuses the
 * cookie even though its signature is still valid. Not project-scoped (a session stands for
 * a credential, like a token row), so no row-level-security policy: it is read before the
 * principal, and so the scope, is known.
 */
import type { Kysely, Migration } from 'kysely';
import { type Dialect, textType, timeType } from './dialect.js';

/** 0004 for a dialect. */
export const sessionsTable = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    const text = textType(dialect);
    const time = timeType(dialect);
    await db.schema
      .createTable('sessions')
      .addColumn('id', text, (c) => c.primaryKey())
      // 'token' (credential = token id) or 'user' (credential = JWT sub)
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('credential', text, (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('expires_at', time, (c) => c.notNull())
      .addColumn('revoked_at', time)
      .execute();
    await db.schema
      .createIndex('sessions_expires_at')
      .on('sessions')
      .column('expires_at')
      .execute();
  },
});
