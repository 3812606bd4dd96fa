/**
 * The free-text `q` filter: a substring of title or description, case-insensitive, `%` and `_`
 * literal, the same results on both engines and whichever path PostgreSQL takes (q of 3+
 * characters reads snapshot_text's pg_trgm indexes, 0015; shorter q the LIKE on snapshots).
 * On PostgreSQL snapshot_text follows every write of snapshots (insert, update, delete), and
 * 0015 succeeds without pg_trgm (a role that may not create the extension) with a start-up
 * warning naming the fix.
 */

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textIndexWarning } from '../src/data/migration-text-index.js';
import { migrateToLatest } from '../src/data/migrations.js';
import { listQuery } from '../src/data/store-snapshots.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { databaseFor, type Harness, publish, startHarness } from './helpers.js';

let h: Harness;
let pgClient: pg.Client | undefined;
const cleanup: Array<() => Promise<void>> = [];
let n = 0;
const sha = () => (++n).toString(16).padStart(40, '0');

const PLOTS: Array<[string, string | undefined]> = [
  ['Loss curve', undefined],
  ['loss_rate', 'per step'],
  ['lossXrate', undefined],
  ['acc 100%', 'top-1'],
  ['acc 1000', undefined],
  ['val', 'Validation LOSS by epoch'],
  ['latency', 'p95 in µs, Größe'],
];

beforeAll(async () => {
  h = await startHarness();
  for (const [title, description] of PLOTS) {
    const res = await publish(h, {
      title,
      commit_sha: sha(),
      ...(description ? { description } : {}),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const url = await databaseFor(h.dataDir);
  if (url) {
    pgClient = new pg.Client({ connectionString: url });
    await pgClient.connect();
    await pgClient.query(`set app.principal_projects = '*'`);
  }
});
afterAll(async () => {
  await pgClient?.end();
  await h?.close();
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

async function titles(q: string): Promise<string[]> {
  const res = await h.api(
    'GET',
    `/api/projects/${h.projectId}/snapshots?q=${encodeURIComponent(q)}&limit=100`,
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Array<{ title: string }> };
  return body.data.map((s) => s.title).sort();
}

describe('free-text q', () => {
  it.each([
    ['loss', ['Loss curve', 'loss_rate', 'lossXrate', 'val']],
    ['LOSS CU', ['Loss curve']],
    ['ss_r', ['loss_rate']],
    ['100%', ['acc 100%']],
    ['%', ['acc 100%']],
    ['_', ['loss_rate']],
    ['lo', ['Loss curve', 'loss_rate', 'lossXrate', 'val']],
    ['by epoch', ['val']],
    ['GRÖSSE', []],
    ['größe', ['latency']],
    ['nothing-like-this', []],
  ])('q=%s matches title or description literally, ignoring case', async (q, want) => {
    expect(await titles(q)).toEqual([...want].sort());
  });
});

describe.runIf(testDatabaseAdminUrl())('PostgreSQL snapshot_text (0015)', () => {
  const truth = `select id as snapshot_id, project_id, lower(title) as title, lower(description) as description
    from snapshots order by 1`;
  const stored = 'select snapshot_id, project_id, title, description from snapshot_text order by 1';

  it('follows inserts, updates and deletes of snapshots', async () => {
    const c = pgClient!;
    expect((await c.query(stored)).rows).toEqual((await c.query(truth)).rows);
    expect((await c.query(stored)).rows.length).toBe(PLOTS.length);
    await c.query(`update snapshots set title = 'Renamed Plot', description = 'NEW words'
      where title = 'acc 1000'`);
    await c.query(`update snapshots set description = null where title = 'val'`);
    await c.query(`delete from snapshots where title = 'lossXrate'`);
    expect((await c.query(stored)).rows).toEqual((await c.query(truth)).rows);
    expect(await titles('renamed')).toEqual(['Renamed Plot']);
    expect(await titles('new wor')).toEqual(['Renamed Plot']);
    expect(await titles('loss')).toEqual(['Loss curve', 'loss_rate']);
  });

  it('the migration succeeds without pg_trgm, q still answers, and start-up warns', async () => {
    const database = await createTestDatabase(testDatabaseAdminUrl()!);
    cleanup.push(database.drop);
    // A role that may not create extensions in its database (as on a managed PostgreSQL
    // without pg_trgm, or PG 12 where it is not trusted).
    const admin = new pg.Client({ connectionString: database.adminUrl });
    await admin.connect();
    const name = new URL(database.url).pathname.slice(1);
    await admin.query(`revoke create on database ${name} from public, snapshotplot_app`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    cleanup.push(() => db.destroy());
    await migrateToLatest(db, 'postgres');
    const ext = await sql`select 1 from pg_extension where extname = 'pg_trgm'`.execute(db);
    expect(ext.rows).toEqual([]);
    const warning = await textIndexWarning((text, values) => pool.query(text, values));
    expect(warning).toMatch(/pg_trgm indexes for the free-text q filter are missing/);
    expect(warning).toMatch(
      /create extension pg_trgm; create index if not exists snapshot_text_title_trgm/,
    );
    // The table and its trigger exist all the same.
    await sql`select set_config('app.principal_projects', '*', false)`.execute(db);
    await sql`insert into projects (id, name, created_at) values ('p1', 'p', '2026-01-01')`.execute(
      db,
    );
    await sql`insert into snapshots (id, project_id, title, status, want_plot, want_code, created_at)
      values ('snap_1', 'p1', 'Loss Curve', 'ready', 1, 0, '2026-01-01')`.execute(db);
    const row = await sql`select title from snapshot_text`.execute(db);
    expect(row.rows).toEqual([{ title: 'loss curve' }]);
    // And q reads it (a scan of snapshot_text instead of the GIN indexes).
    const found = await listQuery(db as never, 'postgres', 'p1', { q: 'S CUR' }, 10).execute();
    expect(found.map((r) => r.id)).toEqual(['snap_1']);
  });

  it('with pg_trgm the start-up check is quiet', async () => {
    const warning = await textIndexWarning((text, values) => pgClient!.query(text, values));
    expect(warning).toBeUndefined();
  });
});
