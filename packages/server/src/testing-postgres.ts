/**
 * Fresh PostgreSQL databases for tests. With SNAPSHOTPLOT_TEST_DATABASE_URL (a superuser URL,
 * see .ci/start-postgres.sh) each call creates a new database owned by the ordinary role
 * `snapshotplot_app` (no SUPERUSER, no BYPASSRLS: row-level security applies) and returns a
 * URL that connects as that role. Without the variable it returns undefined (SQLite).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_ENV = 'SNAPSHOTPLOT_TEST_DATABASE_URL';
export const APP_ROLE = 'snapshotplot_app';

/** The admin URL from the environment, or undefined. */
export const testDatabaseAdminUrl = (env: Record<string, string | undefined> = process.env) =>
  env[TEST_DATABASE_ENV] || undefined;

async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the app role once per cluster (concurrent test files may race: both succeed). */
async function ensureRole(c: pg.Client): Promise<void> {
  const exists = await c.query('select 1 from pg_roles where rolname = $1', [APP_ROLE]);
  if (exists.rowCount) return;
  try {
    await c.query(`create role ${APP_ROLE} login nosuperuser nobypassrls`);
  } catch (error) {
    if (
      (error as { code?: string }).code !== '23505' &&
      (error as { code?: string }).code !== '42710'
    )
      throw error;
  }
}

/** A new empty database for the app role; returns its app-role URL and a drop function. */
export async function createTestDatabase(
  adminUrl: string,
): Promise<{ url: string; adminUrl: string; drop: () => Promise<void> }> {
  const name = `sp_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, async (c) => {
    await ensureRole(c);
    await c.query(`create database ${name} owner ${APP_ROLE}`);
  });
  const url = new URL(adminUrl);
  url.username = APP_ROLE;
  url.password = '';
  url.pathname = `/${name}`;
  const admin = new URL(adminUrl);
  admin.pathname = `/${name}`;
  return {
    url: url.toString(),
    adminUrl: admin.toString(),
    drop: () =>
      withAdmin(adminUrl, async (c) => {
        await c.query(`drop database if exists ${name} with (force)`);
      }),
  };
}
