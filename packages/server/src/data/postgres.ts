/**
 * Opens a PostgreSQL database (kysely PostgresDialect over a pipelined `pg` Pool behind the
 * round-trip-saving transport of pg-transport.ts), applies migrations and returns the Store.
 * One more dedicated connection per process carries the session-level advisory locks of
 * streaming uploads and LISTENs for events committed by other replicas.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { UnavailableError } from '../errors.js';
import { createSequencer } from './event-sequencer.js';
import { textIndexWarning } from './migration-text-index.js';
import { migrateToLatest } from './migrations.js';
import { createSessionServices } from './pg-session.js';
import { transportPool } from './pg-transport.js';
import { createScope } from './scope.js';
import { statementLog } from './statement-count.js';
import { createPostgresStore, type Store } from './store.js';
import type { Database } from './tables.js';

export interface PostgresOptions {
  /** Pool size (--db-pool-size; default DEFAULT_POOL_SIZE). */
  max?: number;
  /** Warned about once at start-up (for example a superuser connection defeating RLS). */
  warn?: (message: string) => void;
}

const TIMESTAMPTZ = 1184;

/**
 * Connections per process (--db-pool-size). A request holds one only while its statements run
 * (one round trip each, no lock held across them), and one Node process keeps about one core
 * busy, so beyond ~10 more connections only queue inside PostgreSQL (measured: 5, 10 and 24
 * gave 56, 68 and 54 requests/s on 2 cores); 10 also keeps processes × (10 + 1 LISTEN) under
 * PostgreSQL's default max_connections of 100 for up to 8 server processes.
 */
export const DEFAULT_POOL_SIZE = 10;

/** How often a process sequences events a writer that died mid-way left without a position. */
const SEQUENCE_SWEEP_MS = 5000;

/** host:port/database of a URL, never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the given URL';
  }
}

/** `2026-11-25 18:00:00.123+00` -> `2026-11-25T18:00:00.123Z`, the ISO form SQLite rows hold. */
export function isoFromTimestamptz(value: string): string {
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  return new Date(iso).toISOString();
}

const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === TIMESTAMPTZ && format !== 'binary'
    ? isoFromTimestamptz
    : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser;

/** A migrated Store over `url` (postgres://user@host:port/db). */
export async function openPostgres(url: string, o: PostgresOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max ?? DEFAULT_POOL_SIZE,
    types: { getTypeParser },
    // Lets the transport send BEGIN + set_config + a statement (+ COMMIT) in one write.
    pipeline: true,
  });
  // An idle client losing its connection (database restart) must not crash the process; the
  // pool replaces it and the next query reports the error to its caller.
  pool.on('error', () => {});
  // Backend pids of this pool: NOTIFYs they send are this process's own (pg-session.ts).
  const ownBackends = new Set<number>();
  const pidOf = (c: pg.PoolClient) => (c as unknown as { processID: number | null }).processID;
  pool.on('connect', (c) => {
    const pid = pidOf(c);
    if (pid) ownBackends.add(pid);
  });
  pool.on('remove', (c) => {
    const pid = pidOf(c);
    if (pid) ownBackends.delete(pid);
  });
  const scope = createScope();
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: transportPool(pool, () => scope.setting()) }),
    ...statementLog(),
  });
  try {
    await pool.query('select 1').catch((error: Error) => {
      throw new UnavailableError(
        `Cannot connect to PostgreSQL at ${where(url)}: ${error.message}. Check --database-url (DATABASE_URL), that the server is running, and that the role may log in to that database.`,
      );
    });
    await migrateToLatest(db as unknown as Kysely<unknown>, 'postgres');
    const role = await pool.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      'select rolsuper, rolbypassrls from pg_roles where rolname = current_user',
    );
    const textIndex = await textIndexWarning((text, values) => pool.query(text, values));
    if (textIndex) o.warn?.(textIndex);
    const r = role.rows[0];
    if (r && (r.rolsuper || r.rolbypassrls)) {
      o.warn?.(
        'connected to PostgreSQL as a superuser or BYPASSRLS role: row-level security is not enforced; connect as an ordinary role (README "Scaling out")',
      );
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const services = createSessionServices(
    () => new pg.Client({ connectionString: url, pipeline: true }),
    {
      ownBackends,
    },
  );
  // Sequencing works on every project's events, so it runs unscoped whoever triggers it.
  const sequencer = createSequencer(() => scope.run(() => store.sequenceEvents()));
  const warn = (error: unknown) =>
    o.warn?.(`sequencing events failed (retried in ${SEQUENCE_SWEEP_MS} ms): ${error}`);
  // A failed run is not the caller's failure (its change committed): the sweep retries.
  const sequence = () => sequencer.run().then(() => {}, warn);
  const store = createPostgresStore(db, services, { scope, sequence });
  // Events of a process that died between its commit and sequencing. This process's own
  // NOTIFYs are ignored (its writers announce in-process), so a sweep that found some tells
  // this process's listeners itself.
  const listeners = new Set<(projectId: string) => void>();
  await sequence();
  const stopSweep = sequencer.every(
    SEQUENCE_SWEEP_MS,
    (projects) => {
      for (const p of projects) for (const fn of listeners) fn(p);
    },
    warn,
  );
  const { close, onEvent } = store;
  store.onEvent = (fn) => {
    listeners.add(fn);
    const stop = onEvent(fn);
    return () => {
      listeners.delete(fn);
      stop();
    };
  };
  store.close = async () => {
    stopSweep();
    await close();
  };
  return store;
}
