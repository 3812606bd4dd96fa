/**
 * All data access, as async functions over a kysely executor. The HTTP layer and the admin
 * commands only talk to a Store, so a PostgreSQL backend is another `openXxx` returning the
 * same interface, not a rewrite. `transaction()` runs a function against a Store bound to
 * one transaction (SQLite serialises them; PostgreSQL would add a row lock where noted).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import { createScope, type Scope } from './scope.js';
import { eventQueries } from './store-events.js';
import { snapshotQueries } from './store-snapshots.js';
import { transferQueries } from './store-transfer.js';
import type { Database, IdempotencyKeysTable, ProjectsTable, TokensTable } from './tables.js';

export type Executor = Kysely<Database> | Transaction<Database>;
export type Role = TokensTable['role'];

function accessQueries(db: Executor, dialect: Dialect) {
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

function bind(db: Executor, dialect: Dialect) {
  return {
    ...accessQueries(db, dialect),
    ...snapshotQueries(db, dialect),
    ...eventQueries(db, dialect),
    ...transferQueries(db, dialect),
  };
}

export type StoreQueries = ReturnType<typeof bind>;

/** Releases a lock taken with `tryLock`. */
export type Unlock = () => Promise<void>;

/** Backend services beyond queries (PostgreSQL: one dedicated connection for locks and LISTEN). */
export interface StoreServices {
  /** A lock held across transactions (an upload streaming); null when someone else holds it. */
  tryLock(key: string): Promise<Unlock | null>;
  /** Calls `fn` with the project of every event committed by any process; returns the stop. */
  onEvent(fn: (projectId: string) => void): () => void;
  close(): Promise<void>;
}

export interface Store extends StoreQueries {
  dialect: Dialect;
  /** The request scope that PostgreSQL row-level security reads (inert on SQLite). */
  scope: Scope;
  /** Runs `fn` in one transaction; everything it does commits or rolls back together. */
  transaction<T>(fn: (tx: StoreQueries) => Promise<T>): Promise<T>;
  tryLock: StoreServices['tryLock'];
  onEvent: StoreServices['onEvent'];
  close(): Promise<void>;
}

/** In-process locks and events: enough for one SQLite process. */
function localServices(): StoreServices {
  const held = new Set<string>();
  return {
    async tryLock(key) {
      if (held.has(key)) return null;
      held.add(key);
      return async () => {
        held.delete(key);
      };
    },
    onEvent: () => () => {},
    close: async () => {},
  };
}

/** The SQLite Store over an opened database. */
export function createStore(db: Kysely<Database>): Store {
  const local = localServices();
  return {
    ...bind(db, 'sqlite'),
    dialect: 'sqlite',
    scope: createScope(),
    transaction: (fn) => db.transaction().execute((trx) => fn(bind(trx, 'sqlite'))),
    tryLock: local.tryLock,
    onEvent: local.onEvent,
    close: () => db.destroy(),
  };
}

/**
 * The PostgreSQL Store. Every call runs in a transaction that first sets
 * `app.principal_projects` (transaction-local) from the request scope, so row-level security
 * sees the caller's projects; a call outside `transaction()` is its own short transaction.
 */
export function createPostgresStore(db: Kysely<Database>, services: StoreServices): Store {
  const scope = createScope();
  const begin = async <T>(fn: (tx: StoreQueries) => Promise<T>): Promise<T> =>
    db.transaction().execute(async (trx) => {
      await sql`select set_config('app.principal_projects', ${scope.setting()}, true)`.execute(trx);
      return fn(bind(trx, 'postgres'));
    });
  const names = Object.keys(bind(db, 'postgres')) as Array<keyof StoreQueries>;
  const queries = Object.fromEntries(
    names.map((name) => [
      name,
      (...args: unknown[]) =>
        begin((tx) => (tx[name] as (...a: unknown[]) => Promise<unknown>)(...args)),
    ]),
  ) as unknown as StoreQueries;
  return {
    ...queries,
    dialect: 'postgres',
    scope,
    transaction: begin,
    tryLock: services.tryLock,
    onEvent: services.onEvent,
    async close() {
      await services.close();
      await db.destroy();
    },
  };
}
