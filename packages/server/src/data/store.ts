/**
 * All data access, as async functions over a kysely executor. The HTTP layer and the admin
 * commands only talk to a Store: SQLite (createStore) and PostgreSQL (createPostgresStore)
 * return the same interface. `transaction()` runs a function against a Store bound to one
 * transaction (SQLite serialises them; on PostgreSQL row locks and advisory locks where noted).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import { LockTable, tryTakeLock, type Unlock, waitForLock } from './locks.js';
import { createScope, inertScope, type Scope } from './scope.js';
import { accessQueries } from './store-access.js';
import { comparisonQueries } from './store-comparisons.js';
import { type EventHooks, eventQueries } from './store-events.js';
import { retentionQueries } from './store-retention.js';
import { sessionQueries } from './store-sessions.js';
import { snapshotQueries } from './store-snapshots.js';
import { transferQueries } from './store-transfer.js';
import { trustQueries } from './store-trust.js';
import type { Database } from './tables.js';

export type Executor = Kysely<Database> | Transaction<Database>;
export type { Role } from './records.js';

function bind(db: Executor, dialect: Dialect, hooks?: EventHooks) {
  return {
    ...accessQueries(db, dialect),
    ...snapshotQueries(db, dialect),
    ...eventQueries(db, dialect, hooks),
    ...transferQueries(db, dialect),
    ...retentionQueries(db, dialect),
    ...sessionQueries(db),
    ...trustQueries(db),
    ...comparisonQueries(db, dialect),
  };
}

export type StoreQueries = ReturnType<typeof bind>;

/**
 * Runs `fn` against queries bound to the transaction `trx`. Binding every query anew per
 * transaction (hundreds of closures, spread into one object) was 10 % of the server's CPU under
 * the publish benchmark (bench/README.md, section 2), so bound sets are kept and reused: each
 * is bound once to an executor that forwards to whichever transaction it currently serves.
 * SQLite runs one transaction at a time, PostgreSQL up to its pool size, so few sets exist.
 * Queries of a transaction that ended refuse to run instead of reaching another one.
 */
function transactionBinder(dialect: Dialect) {
  interface Bound {
    slot: { trx: Transaction<Database> | null; inserted: (() => void) | undefined };
    queries: StoreQueries;
  }
  const free: Bound[] = [];
  const create = (): Bound => {
    const slot: Bound['slot'] = { trx: null, inserted: undefined };
    const executor = new Proxy({} as Transaction<Database>, {
      get(_target, prop) {
        const trx = slot.trx;
        if (!trx) throw new Error('queries of a transaction that has ended were used');
        const value = Reflect.get(trx, prop, trx) as unknown;
        return typeof value === 'function' ? value.bind(trx) : value;
      },
    });
    const hooks = { inserted: () => slot.inserted?.() };
    return { slot, queries: bind(executor, dialect, hooks) };
  };
  return async <T>(
    trx: Transaction<Database>,
    fn: (tx: StoreQueries) => Promise<T>,
    inserted?: () => void,
  ): Promise<T> => {
    const bound = free.pop() ?? create();
    bound.slot.trx = trx;
    bound.slot.inserted = inserted;
    try {
      return await fn(bound.queries);
    } finally {
      bound.slot.trx = null;
      bound.slot.inserted = undefined;
      if (free.length < 64) free.push(bound);
    }
  };
}

export type { Unlock } from './locks.js';

/** Backend services beyond queries (PostgreSQL: one dedicated connection for locks and LISTEN). */
export interface StoreServices {
  /** A lock held across transactions (an upload streaming); null when someone else holds it. */
  tryLock(key: string): Promise<Unlock | null>;
  /**
   * The same locks, waited for up to `waitMs` (a stored object's, held for milliseconds):
   * waiters get the lock in the order they asked for it, across processes where the backend
   * can order them. Null if it was not had in time.
   */
  lock(key: string, waitMs: number): Promise<Unlock | null>;
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
   * Runs several reads that need no common snapshot: each is its own statement (no
   * BEGIN/COMMIT) on both backends; on PostgreSQL the row-level-security setting rides with
   * the statements (pg-transport.ts), so no transaction is needed to send it once.
   */
  reads<T>(fn: (q: StoreQueries) => Promise<T>): Promise<T>;
  tryLock: StoreServices['tryLock'];
  lock: StoreServices['lock'];
  onEvent: StoreServices['onEvent'];
  close(): Promise<void>;
}

/** In-process locks and events: enough for one SQLite process. */
function localServices(): StoreServices {
  const locks = new LockTable<object>();
  return {
    tryLock: async (key) => tryTakeLock(locks, key),
    lock: (key, waitMs) => waitForLock(locks, key, waitMs),
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
  const queries = bind(db, 'sqlite');
  const inTransaction = transactionBinder('sqlite');
  return {
    ...queries,
    dialect: 'sqlite',
    scope: inertScope(),
    transaction: (fn) => db.transaction().execute((trx) => inTransaction(trx, fn)),
    reads: (fn) => fn(queries),
    tryLock: local.tryLock,
    lock: local.lock,
    onEvent: local.onEvent,
    async close() {
      await local.close();
      await db.destroy();
    },
  };
}

/**
 * The PostgreSQL Store. Row-level security reads `app.principal_projects`, which the pool's
 * transport (pg-transport.ts) keeps equal to `scope.setting()` for every statement, so a call
 * outside `transaction()` is one autocommit statement per query, as on SQLite. Events written
 * by a call get their stream position from `sequence` once it committed (store-events.ts).
 */
export function createPostgresStore(
  db: Kysely<Database>,
  services: StoreServices,
  o: { scope?: Scope; sequence?: () => Promise<void> } = {},
): Store {
  const scope = o.scope ?? createScope();
  const sequence = o.sequence ?? (async () => {});
  const inTransaction = transactionBinder('postgres');
  const transaction = async <T>(fn: (tx: StoreQueries) => Promise<T>): Promise<T> => {
    let wrote = false;
    const inserted = () => {
      wrote = true;
    };
    const result = await db.transaction().execute((trx) => inTransaction(trx, fn, inserted));
    if (wrote) await sequence();
    return result;
  };
  const queries = bind(db, 'postgres');
  return {
    ...queries,
    async insertEvent(row) {
      const id = await queries.insertEvent(row);
      await sequence();
      return id;
    },
    dialect: 'postgres',
    scope,
    transaction,
    reads: (fn) => fn(queries),
    tryLock: services.tryLock,
    lock: services.lock,
    onEvent: services.onEvent,
    async close() {
      await services.close();
      await db.destroy();
    },
  };
}
