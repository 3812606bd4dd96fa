/**
 * plot_heads (0012) stays exact: after every kind of write over real HTTP and the admin CLI
 * (JSON publish + upload + finalize, direct upload, supersede, delete of a head and of a plot's
 * last version, retention, concurrent finalizes of one plot) its rows equal the same summary
 * recomputed from snapshots and snapshot_tags, and the latest-per-plot grid shows it. Runs on
 * SQLite, and on PostgreSQL with SNAPSHOTPLOT_TEST_DATABASE_URL (row-level security on: the
 * writes run under each request's project scope).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CommanderError } from 'commander';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { plotHeads } from '../src/data/migration-plot-heads.js';
import { openSqlite } from '../src/data/sqlite.js';
import { CliError } from '../src/errors.js';
import { testDatabaseEnv } from '../src/testing.js';
import { testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { databaseFor, type Harness, PNG, publish, startHarness, upload } from './helpers.js';

let h: Harness;
let admin: string;
let read: (q: string) => Promise<Array<Record<string, unknown>>>;
/** A writing connection (bulk statements, as import and retention send). */
let write: (q: string) => Promise<void>;
let postgres = false;
let closeReader: () => Promise<void>;
beforeAll(async () => {
  h = await startHarness();
  admin = await h.tokenFor(h.projectId, 'admin');
  const url = await databaseFor(h.dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`set app.principal_projects = '*'`);
    postgres = true;
    read = async (q) => (await client.query(q)).rows;
    write = async (q) => {
      await client.query(q);
    };
    closeReader = () => client.end();
  } else {
    const db = new BetterSqlite3(join(h.dataDir, 'snapshotplot.db'));
    db.pragma('busy_timeout = 5000');
    read = async (q) => db.prepare(q).all() as Array<Record<string, unknown>>;
    write = async (q) => {
      db.exec(q);
    };
    closeReader = async () => db.close();
  }
});
afterAll(async () => {
  await closeReader?.();
  await h?.close();
});

/** The summary as 0012 defines it, recomputed from the snapshots themselves. */
const TRUTH = `
  select s.project_id, '' as facet, '' as value, coalesce(s.collection_id, '') as plot, s.title,
    max(s.id) as head_id, count(*) as versions
  from snapshots s where s.status = 'ready'
  group by s.project_id, coalesce(s.collection_id, ''), s.title
  union all
  select s.project_id, 'branch', s.branch, coalesce(s.collection_id, ''), s.title, max(s.id), count(*)
  from snapshots s where s.status = 'ready' and s.branch is not null
  group by s.project_id, s.branch, coalesce(s.collection_id, ''), s.title
  union all
  select s.project_id, 'tag', t.tag, coalesce(s.collection_id, ''), s.title, max(s.id), count(*)
  from snapshots s join snapshot_tags t on t.snapshot_id = s.id where s.status = 'ready'
  group by s.project_id, t.tag, coalesce(s.collection_id, ''), s.title`;

const rowsOf = (rows: Array<Record<string, unknown>>) =>
  rows
    .map((r) =>
      [r.project_id, r.facet, r.value, r.plot, r.title, r.head_id, Number(r.versions)].join('|'),
    )
    .sort();

/** plot_heads equals the recomputed summary; returns it for further checks. */
async function expectExact() {
  const stored = rowsOf(
    await read('select project_id, facet, value, plot, title, head_id, versions from plot_heads'),
  );
  expect(stored).toEqual(rowsOf(await read(TRUTH)));
  return stored;
}

const heads = async () =>
  Object.fromEntries(
    (await read(`select title, plot, head_id, versions from plot_heads where facet = ''`)).map(
      (r) => [`${r.plot}/${r.title}`, { head: r.head_id, versions: Number(r.versions) }],
    ),
  );

let pendingRaceHead = '';
let n = 0;
const sha = () => (++n).toString(16).padStart(40, '0');

/** JSON publish (pending), then upload and finalize unless told to stop after publish. */
async function version(title: string, extra: Record<string, unknown> = {}, finalize = true) {
  const pub = await publish(h, { title, commit_sha: sha(), ...extra });
  expect(pub.status, JSON.stringify(pub.body)).toBe(201);
  const id = pub.body.snapshot_id as string;
  if (!finalize) return { id, plotUrl: pub.body.upload_urls.plot! };
  expect((await upload(pub.body.upload_urls.plot!, PNG, 'image/png')).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: id },
  });
  expect(fin.status).toBe(200);
  return { id, plotUrl: '' };
}

/** Direct upload (multipart): published, stored and ready in one request. */
async function direct(title: string, extra: Record<string, unknown> = {}) {
  const fd = new FormData();
  fd.append(
    'metadata',
    JSON.stringify({ project_id: h.projectId, title, commit_sha: sha(), ...extra }),
  );
  fd.append(
    'plot',
    new Blob([new Uint8Array(Buffer.concat([PNG, Buffer.from(`${n}`)]))], { type: 'image/png' }),
    'p.png',
  );
  const res = await fetch(`${h.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}` },
    body: fd,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function cli(args: string[]) {
  let stdout = '';
  const full = [...args, '--data-dir', h.dataDir];
  const program = buildProgram({
    env: { ...process.env, ...testDatabaseEnv(full) },
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
    now: () => new Date(),
  });
  try {
    await program.parseAsync(full, { from: 'user' });
    return { code: 0, stdout };
  } catch (error) {
    if (error instanceof CliError || error instanceof CommanderError) return { code: 1, stdout };
    throw error;
  }
}

describe('plot_heads', () => {
  const ids: Record<string, string> = {};

  it('counts a version when it becomes ready, not while pending', async () => {
    const pending = await version('loss', { branch: 'main', tags: ['gpu', 'nightly'] }, false);
    expect(await heads()).toEqual({});
    await expectExact();
    expect((await upload(pending.plotUrl, PNG, 'image/png')).status).toBe(200);
    const fin = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: pending.id },
    });
    expect(fin.status).toBe(200);
    ids.l1 = pending.id;
    expect(await heads()).toEqual({ '/loss': { head: ids.l1, versions: 1 } });
    await expectExact();
  });

  it('follows new versions, direct uploads, collections, branches and tags', async () => {
    ids.l2 = (await version('loss', { branch: 'feature', tags: ['gpu', 'gpu'] })).id;
    ids.l3 = await direct('loss', { branch: 'main', tags: ['nightly'] });
    ids.c1 = await direct('loss', { collection: 'eval', branch: 'main' });
    const stored = await expectExact();
    expect(await heads()).toMatchObject({
      '/loss': { head: ids.l3, versions: 3 },
    });
    expect(stored.filter((r) => r.includes('|tag|gpu|'))).toEqual([
      `${h.projectId}|tag|gpu||loss|${ids.l2}|2`,
    ]);
  });

  it('a superseding re-run is a new head; the superseded version still counts', async () => {
    const commit = sha();
    const a = await publish(h, {
      title: 'acc',
      commit_sha: commit,
      checksums: { plot: createHash('sha256').update(PNG).digest('hex') },
    });
    expect((await upload(a.body.upload_urls.plot!, PNG, 'image/png')).status).toBe(200);
    await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: a.body.snapshot_id },
    });
    const b = await publish(h, { title: 'acc', commit_sha: commit, replace: true });
    expect(b.status).toBe(201);
    expect(b.body.supersedes).toBe(a.body.snapshot_id);
    expect((await upload(b.body.upload_urls.plot!, PNG, 'image/png')).status).toBe(200);
    await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: b.body.snapshot_id },
    });
    expect((await heads())['/acc']).toEqual({ head: b.body.snapshot_id, versions: 2 });
    await expectExact();
    ids.acc = b.body.snapshot_id as string;
  });

  it('deleting a head falls back to the next version of each facet; the last one drops the row', async () => {
    const del = (id: string) => h.api('DELETE', `/api/snapshots/${id}`, { token: admin });
    expect((await del(ids.l3!)).status).toBe(200);
    // Next head of the plot is l2 (feature); of branch main it is l1; tag nightly also l1.
    expect((await heads())['/loss']).toEqual({ head: ids.l2, versions: 2 });
    const stored = await expectExact();
    expect(stored).toContain(`${h.projectId}|branch|main||loss|${ids.l1}|1`);
    expect(stored).toContain(`${h.projectId}|tag|nightly||loss|${ids.l1}|1`);
    expect((await del(ids.c1!)).status).toBe(200);
    expect(Object.keys(await heads()).some((k) => k.endsWith('/loss') && k !== '/loss')).toBe(
      false,
    );
    await expectExact();
  });

  it('concurrent finalizes of one plot are all counted, the newest is the head', async () => {
    const pending = [];
    for (let i = 0; i < 12; i++) pending.push(await version('race', { branch: 'main' }, false));
    await Promise.all(pending.map((p) => upload(p.plotUrl, PNG, 'image/png')));
    const answers = await Promise.all(
      pending.map((p) =>
        h.api('POST', '/api/snapshots/finalize', {
          json: { project_id: h.projectId, snapshot_id: p.id },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(pending.map(() => 200));
    expect((await heads())['/race']).toEqual({ head: pending.at(-1)!.id, versions: 12 });
    pendingRaceHead = pending.at(-1)!.id;
    await expectExact();
  });

  it('retention deletes old versions and the summary follows', async () => {
    for (let i = 0; i < 3; i++) await direct('old', { branch: 'topic' });
    const set = await cli(['retention', 'set', '--project', h.projectId, '--keep-per-title', '1']);
    expect(set.code).toBe(0);
    const run = await cli(['retention', 'run', '--json']);
    expect(run.code).toBe(0);
    const deleted = (JSON.parse(run.stdout) as { deleted: unknown[] }).deleted;
    expect(deleted.length).toBeGreaterThanOrEqual(2);
    expect((await heads())['/old']?.versions).toBe(1);
    await expectExact();
  });

  it('the grid shows the summary: newest per plot with its count, per branch and tag', async () => {
    const res = await fetch(`${h.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: h.token }).toString(),
    });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const grid = async (q: string) =>
      (await fetch(`${h.url}/projects/${h.projectId}${q}`, { headers: { cookie } })).text();
    const versionsOf = (html: string, id: string) =>
      new RegExp(`data-id="${id}"[\\s\\S]*?<span class="sub versions">([^<]+)</span>`).exec(
        html,
      )?.[1];
    expect(versionsOf(await grid(''), ids.l2!)).toBe('2 versions');
    expect(versionsOf(await grid('?branch=main'), ids.l1!)).toBe('1 version');
    expect(versionsOf(await grid('?tag=gpu'), ids.l2!)).toBe('2 versions');
    expect(versionsOf(await grid(''), ids.acc!)).toBe('2 versions');
    // q walks the versions; a card whose title matches takes its count from plot_heads.
    expect(versionsOf(await grid('?q=los'), ids.l2!)).toBe('2 versions');
    expect(versionsOf(await grid('?q=los&branch=main'), ids.l1!)).toBe('1 version');
    expect(versionsOf(await grid('?q=race'), pendingRaceHead)).toBe('12 versions');
  });

  it('one statement of many rows of one plot (import, bulk delete) counts each once', async () => {
    const series = postgres
      ? 'select i from generate_series(1, 60) as i'
      : 'with recursive n(i) as (select 1 union all select i + 1 from n where i < 60) select i from n';
    const pad = postgres ? `lpad(i::text, 4, '0')` : `printf('%04d', i)`;
    const tags = postgres ? `array['bulk', 'b' || (i % 2)]` : `'["bulk","b' || (i % 2) || '"]'`;
    await write(`insert into snapshots (id, project_id, title, branch, tags, status, want_plot,
        want_code, created_at)
      select 'snap_zbulk' || ${pad}, '${h.projectId}', 'bulk', case when i % 3 = 0 then 'x' else 'main' end,
        ${tags}, case when i % 10 = 0 then 'pending' else 'ready' end, 1, 0,
        '2026-01-01T00:00:00.000Z' from (${series}) as s`);
    // The insert wrote the tags' snapshot_tags rows too (0016), which expectExact reads.
    expect((await heads())['/bulk']).toEqual({ head: 'snap_zbulk0059', versions: 54 });
    await expectExact();
    await write(
      `update snapshots set status = 'ready' where id like 'snap_zbulk%' and status = 'pending'`,
    );
    await write(`delete from snapshots where id like 'snap_zbulk%' and id > 'snap_zbulk0030'`);
    expect((await heads())['/bulk']).toEqual({ head: 'snap_zbulk0030', versions: 30 });
    await expectExact();
  });

  it('collection counts (ready from plot_heads plus pending) equal a count of snapshots', async () => {
    await version('pending in eval', { collection: 'eval' }, false);
    await direct('ready in eval', { collection: 'eval' });
    const res = await h.api('GET', `/api/projects/${h.projectId}/collections`);
    const api = ((await res.json()) as { data: Array<{ name: string; snapshot_count: number }> })
      .data;
    const truth = await read(`select c.name, count(s.id) as n from collections c
      left join snapshots s on s.collection_id = c.id group by c.name order by c.name`);
    expect(api.map((c) => [c.name, c.snapshot_count])).toEqual(
      truth.map((r) => [r.name, Number(r.n)]),
    );
    expect(api.find((c) => c.name === 'eval')?.snapshot_count).toBe(2);
  });

  it('migration 0012 on a database that already holds snapshots builds the same summary', async () => {
    const before = await expectExact();
    const drop = postgres
      ? `drop trigger plot_heads_insert on snapshots; drop trigger plot_heads_delete on snapshots;
         drop trigger plot_heads_update on snapshots; drop function snapshotplot_plot_heads();
         drop table plot_heads`
      : `drop trigger plot_heads_insert; drop trigger plot_heads_delete; drop trigger plot_heads_update;
         drop table plot_heads`;
    await write(drop);
    const url = await databaseFor(h.dataDir);
    const db = url
      ? new Kysely<unknown>({
          dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
        })
      : ((await openSqlite(h.dataDir)) as unknown as Kysely<unknown>);
    try {
      // Run 0012 itself: later migrations (0013, …) are recorded as done, and kysely refuses to
      // re-run an earlier one through migrateToLatest. In one transaction, as the Migrator runs
      // it (its row-level-security setting is transaction-local).
      await db.transaction().execute((trx) => plotHeads(postgres ? 'postgres' : 'sqlite').up(trx));
    } finally {
      await db.destroy();
    }
    expect(await expectExact()).toEqual(before);
    // And the triggers are back: a new version counts.
    await direct('after migration');
    expect((await heads())['/after migration']?.versions).toBe(1);
  });

  it.runIf(testDatabaseAdminUrl())(
    'PostgreSQL: row-level security scopes plot_heads to the principal',
    async () => {
      expect(postgres).toBe(true);
      expect((await read('select count(*) as n from plot_heads'))[0]!.n).not.toBe('0');
      await read(`set app.principal_projects = 'proj_someone_else'`);
      try {
        expect(await read('select * from plot_heads')).toEqual([]);
      } finally {
        await read(`set app.principal_projects = '*'`);
      }
    },
  );
});
