/**
 * The natural-key duplicate check runs inside every publish's write transaction: on a project
 * with 100k snapshots a plan that walks snapshots_project_id (to satisfy ORDER BY id) instead
 * of the natural-key index costs ~90 ms per publish and serialises writers behind it. These
 * tests seed 100k rows in one project and read the planner's choice for the real query text
 * (kysely's compile() of naturalKeyQuery), on SQLite and, when given, on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/data/migrations.js';
import { openSqlite } from '../src/data/sqlite.js';
import { naturalKeyQuery } from '../src/data/store-snapshots.js';
import type { Database } from '../src/data/tables.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { requirePostgres } from './replicas-helpers.js';

const ROWS = 100_000;
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

/** The keys a publish looks up: a new title on a busy commit, an existing one, a collection. */
const KEYS = [
  ['c00042', 'a brand new title', null],
  ['c00042', 't7', null],
  ['c00042', 't7', 'col_big'],
  ['c99999', 'never seen', 'col_big'],
] as const;

/** 100k snapshots in one project: 5000 commits x 20 titles, every 4th in a collection. */
const seedSql = (dialect: 'sqlite' | 'postgres') => {
  const series =
    dialect === 'sqlite'
      ? sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${sql.lit(ROWS)}) select i from n`
      : sql`select i from generate_series(1, ${sql.lit(ROWS)}) as i`;
  const pad = (e: string, w: number) =>
    dialect === 'sqlite' ? `printf('%0${w}d', ${e})` : `lpad((${e})::text, ${w}, '0')`;
  return sql`insert into snapshots (id, project_id, collection_id, title, commit_sha, status,
      want_plot, want_code, created_at)
    select 'snap_' || ${sql.raw(pad('i', 7))}, 'proj_big',
      case when i % 4 = 0 then 'col_big' else null end,
      't' || (i % 20), 'c' || ${sql.raw(pad('i / 20', 5))}, 'ready', 1, 0,
      '2026-01-01T00:00:00.000Z'
    from (${series}) as series`;
};

async function seed(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
  const now = '2026-01-01T00:00:00.000Z';
  await db
    .insertInto('projects')
    .values({ id: 'proj_big', name: 'big', owner_id: null, created_at: now })
    .execute();
  await db
    .insertInto('collections')
    .values({ id: 'col_big', project_id: 'proj_big', name: 'nightly', created_at: now })
    .execute();
  await seedSql(dialect).execute(db);
}

const compiled = (db: Kysely<Database>, [commit, title, collection]: (typeof KEYS)[number]) =>
  naturalKeyQuery(db, 'proj_big', commit, title, collection).compile();

describe('the natural-key query plan on SQLite', () => {
  it('uses the natural-key index, never a walk of snapshots_project_id, with and without statistics', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-plan-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const fresh = await openSqlite(dataDir);
    await seed(fresh, 'sqlite');
    await fresh.destroy();
    // Opening again (a server start) runs PRAGMA optimize: the grown table gets statistics.
    const db = await openSqlite(dataDir);
    cleanup.push(() => db.destroy());
    const stats = await sql<{
      n: number;
    }>`select count(*) as n from sqlite_stat1 where tbl = 'snapshots'`.execute(db);
    expect(stats.rows[0]!.n).toBeGreaterThan(0);
    const plans = async () => {
      const out: string[] = [];
      for (const key of KEYS) {
        const q = compiled(db, key);
        const r = await db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
        );
        out.push(r.rows.map((row) => row.detail).join(' | '));
      }
      return out;
    };
    const check = (list: string[]) => {
      for (const plan of list) {
        expect(plan).toMatch(/SEARCH s USING (COVERING )?INDEX snapshots_natural_key_id \(/);
        expect(plan).not.toContain('snapshots_project_id');
        expect(plan).not.toContain('TEMP B-TREE');
      }
    };
    check(await plans());
    await sql`delete from sqlite_stat1`.execute(db);
    await sql`analyze sqlite_schema`.execute(db); // forget the statistics: plan without them
    check(await plans());
  });
});

const admin = testDatabaseAdminUrl();
describe.skipIf(!admin)('the natural-key query plan on PostgreSQL', () => {
  requirePostgres();
  it('uses the natural-key index (EXPLAIN), never snapshots_project_id or a seq scan', async () => {
    const database = await createTestDatabase(admin!);
    cleanup.push(database.drop);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    cleanup.push(() => db.destroy());
    await migrateToLatest(db as unknown as Kysely<unknown>, 'postgres');
    // Row-level security applies to the app role: see every project, as the server's own work does.
    await sql`select set_config('app.principal_projects', '*', false)`.execute(db);
    await seed(db, 'postgres');
    await sql`analyze snapshots`.execute(db);
    for (const key of KEYS) {
      const q = compiled(db, key);
      const r = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (format json) ${q.sql}`, [...q.parameters]),
      );
      const nodes: Array<Record<string, unknown>> = [];
      const walk = (n: Record<string, unknown>) => {
        nodes.push(n);
        for (const c of (n.Plans as Array<Record<string, unknown>>) ?? []) walk(c);
      };
      walk((r.rows[0]!['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
      const onSnapshots = nodes.filter((n) => n['Relation Name'] === 'snapshots');
      // snapshots_title_id (0010: project, title, collection, id) is an equally exact probe of
      // the key's own rows; PostgreSQL picks it for a title it estimates at ~1 row.
      expect(onSnapshots.map((n) => [n['Node Type'], n['Index Name']])).toEqual([
        [
          expect.stringMatching(/^Index (Only )?Scan( Backward)?$/),
          expect.stringMatching(/^snapshots_(natural_key_id|title_id)$/),
        ],
      ]);
      // All four key columns in the probe: the rows it returns are the key's own few (a
      // sort of those, if the planner adds one above the join, is not a walk of the project).
      expect(String(onSnapshots[0]!['Index Cond'])).toMatch(/collection_id/);
    }
  });
});
