/** Projects, tokens, members, idempotency keys and upload nonces (part of the Store). */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import type { Role } from './records.js';
import type { Database, IdempotencyKeysTable, ProjectsTable, TokensTable } from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;

let revocations = 0;

/**
 * How many tokens were revoked through a Store of this process: the verified-token cache
 * (auth/token-cache.ts) forgets everything when it changes, so an in-process revocation
 * takes effect at once.
 */
export const tokenRevocations = (): number => revocations;

export function accessQueries(db: Executor, dialect: Dialect) {
  return {
    /** Inserts a project; false when the id is taken. */
    async createProject(p: ProjectsTable): Promise<boolean> {
      const r = await db
        .insertInto('projects')
        .values(p)
        .onConflict((c) => c.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async getProject(id: string) {
      return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listProjects() {
      return db.selectFrom('projects').selectAll().orderBy('id').execute();
    },
    async insertToken(t: TokensTable): Promise<void> {
      await db.insertInto('tokens').values(t).execute();
    },
    /** Candidates for a presented token; the caller compares hashes in constant time. */
    async tokensByPrefix(prefix: string) {
      return db.selectFrom('tokens').selectAll().where('prefix', '=', prefix).execute();
    },
    /** One token row by id (sessions reference a token by id and re-check it per request). */
    async getToken(id: string) {
      return db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async touchToken(id: string, now: string): Promise<void> {
      await db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    async listTokens(projectId?: string) {
      let q = db.selectFrom('tokens').selectAll().orderBy('id');
      if (projectId) q = q.where('project_id', '=', projectId);
      return q.execute();
    },
    /** Sets revoked_at; false when no such (unrevoked) token. */
    async revokeToken(id: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('tokens')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      // Counted even before a commit (inside a transaction): forgetting too early only costs
      // one more lookup.
      revocations++;
      return Number(r.numUpdatedRows) > 0;
    },
    async upsertMember(projectId: string, userId: string, role: Role, now: string) {
      await db
        .insertInto('project_members')
        .values({ project_id: projectId, user_id: userId, role, created_at: now })
        .onConflict((c) => c.columns(['project_id', 'user_id']).doUpdateSet({ role }))
        .execute();
    },
    async removeMember(projectId: string, userId: string): Promise<boolean> {
      const r = await db
        .deleteFrom('project_members')
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async memberGrants(userId: string) {
      return db
        .selectFrom('project_members')
        .select(['project_id', 'role'])
        .where('user_id', '=', userId)
        .execute();
    },
    /**
     * The key's record. On PostgreSQL it first takes a transaction-scoped advisory lock on the
     * key, so a concurrent request with the same key (on any replica) waits for this
     * transaction instead of racing it; call it inside the transaction that writes the key.
     */
    async getIdempotency(principal: string, key: string) {
      if (dialect === 'postgres') await advisoryXactLock(db, `idempotency:${principal}:${key}`);
      return db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('principal', '=', principal)
        .where('key', '=', key)
        .executeTakeFirst();
    },
    async putIdempotency(row: IdempotencyKeysTable): Promise<void> {
      await db
        .insertInto('idempotency_keys')
        .values(row)
        .onConflict((c) => c.columns(['principal', 'key']).doUpdateSet(row))
        .execute();
    },
    async deleteIdempotency(principal: string, key: string): Promise<void> {
      await db
        .deleteFrom('idempotency_keys')
        .where('principal', '=', principal)
        .where('key', '=', key)
        .execute();
    },
    /** Records an upload token's nonce as used; false when it already was. */
    async consumeNonce(
      nonce: string,
      snapshotId: string,
      kind: string,
      expiresAt: string,
      now: string,
    ) {
      const r = await db
        .insertInto('consumed_upload_nonces')
        .values({ nonce, snapshot_id: snapshotId, kind, expires_at: expiresAt, consumed_at: now })
        .onConflict((c) => c.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async isNonceConsumed(nonce: string): Promise<boolean> {
      const r = await db
        .selectFrom('consumed_upload_nonces')
        .select('nonce')
        .where('nonce', '=', nonce)
        .executeTakeFirst();
      return r !== undefined;
    },
    /** Forgets expired nonces (an expired token is refused before its nonce matters) and old keys. */
    async sweep(now: string, idempotencyCutoff: string): Promise<void> {
      await db.deleteFrom('consumed_upload_nonces').where('expires_at', '<', now).execute();
      await db.deleteFrom('idempotency_keys').where('created_at', '<', idempotencyCutoff).execute();
    },
    async ping(): Promise<void> {
      await db.selectFrom('projects').select('id').limit(1).execute();
    },
  };
}

/** `pg_advisory_xact_lock` on a text key: held until the surrounding transaction ends. */
export async function advisoryXactLock(db: Executor, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db);
}
