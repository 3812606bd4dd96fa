/** Gallery sessions (part of the Store): created at sign-in, revoked at sign-out, pruned when expired. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, SessionsTable } from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;

export function sessionQueries(db: Executor) {
  return {
    async insertSession(row: SessionsTable): Promise<void> {
      await db.insertInto('sessions').values(row).execute();
    },
    async getSession(id: string) {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Sets revoked_at; false when no such (unrevoked) session. */
    async revokeSession(id: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Deletes sessions that expired before `now` (revoked ones too: they expire like any other). */
    async pruneSessions(now: string): Promise<void> {
      await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
    },
  };
}
