/**
 * All data access, as async functions over a kysely executor. The HTTP layer and the admin
 * commands only talk to a Store: SQLite (createStore) and PostgreSQL (createPostgresStore)
 * return the same interface. `transaction()` runs a function against a Store bound to one
 * transaction (SQLite serialises them; on PostgreSQL advisory locks serialise where noted).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import { createScope, type Scope } from './scope.js';
import { accessQueries } from './store-access.js';
import { comparisonQueries } from './store-comparisons.js';
import { eventQueries } from './store-events.js';
import { retentionQueries } from './store-retention.js';
import { sessionQueries } from './store-sessions.js';
import { snapshotQueries } from './store-snapshots.js';
import { transferQueries } from './store-transfer.js';
import { trustQueries } from './store-trust.js';
import type { Database } from './tables.js';

export type Executor = Kysely<Database> | Transaction<Database>;
export type { Role } from './records.js';

function bind(db: Executor, dialect: Dialect) {
  return {
    ...accessQueries(db, dialect),
    ...snapshotQueries(db, dialect),
    ...eventQueries(db, dialect),
    ...transferQueries(db, dialect),
    ...retentionQueries(db, dialect),
    ...sessionQueries(db),
    ...trustQueries(db),
    ...comparisonQueries(db, dialect),
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
  /**
   * Runs several reads that need no common snapshot: on SQLite each is its own statement (no
   * BEGIN/COMMIT); on PostgreSQL they share one transaction, so the row-level-security setting
   * is sent once instead of once per read (issue 16: 4 statements per read otherwise).
   */
  reads<T>(fn: (q: StoreQueries) => Promise<T>): Promise<T>;
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

/**
 * The SQLite Store over an opened database. `services` default to in-process locks and no
 * foreign events (one process); `serve --workers` gives the primary-held ones (cluster/worker.ts).
 */
export function createStore(db: Kysely<Database>, services?: StoreServices): Store {
  const local = services ?? localServices();
  return {
    ...bind(db, 'sqlite'),
    dialect: 'sqlite',
    scope: createScope(),
    transaction: (fn) => db.transaction().execute((trx) => fn(bind(trx, 'sqlite'))),
    reads: (fn) => fn(bind(db, 'sqlite')),
    tryLock: local.tryLock,
    onEvent: local.onEvent,
    async close() {
      await local.close();
      await db.destroy();
    },
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
    reads: begin,
    tryLock: services.tryLock,
    onEvent: services.onEvent,
    async close() {
      await services.close();
      await db.destroy();
    },
  };
}
