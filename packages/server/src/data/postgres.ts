/**
 * Opens a PostgreSQL database (kysely PostgresDialect over a `pg` Pool), applies migrations
 * and returns the Store. One more dedicated connection per process carries the session-level
 * advisory locks of streaming uploads and LISTENs for events committed by other replicas.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { UnavailableError } from '../errors.js';
import { migrateToLatest } from './migrations.js';
import { createSessionServices } from './pg-session.js';
import { statementLog } from './statement-count.js';
import { createPostgresStore, type Store } from './store.js';
import type { Database } from './tables.js';

export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Warned about once at start-up (for example a superuser connection defeating RLS). */
  warn?: (message: string) => void;
}

const TIMESTAMPTZ = 1184;

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
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 10, types: { getTypeParser } });
  // An idle client losing its connection (database restart) must not crash the process; the
  // pool replaces it and the next query reports the error to its caller.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...statementLog() });
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
  const services = createSessionServices(() => new pg.Client({ connectionString: url }), {
    eventProject: (id) => store.eventProject(id),
  });
  const store = createPostgresStore(db, services);
  return store;
}
