/**
 * Benchmark 9: the gallery at 100,000 snapshots. One project seeded by direct SQL
 * (lib/gallery-seed.ts: 200 plots over 5 collections, one plot with 10,000 versions, one with
 * 1,000, 3 tags each, main/dev/feature branches; ANALYZEd), then every gallery page over HTTP
 * with a signed-in session, one request at a time, the pages interleaved round by round so
 * load drift hits them alike: p50 and p95 latency and server CPU ms per request per page. On
 * SQLite, and on PostgreSQL too when SNAPSHOTPLOT_TEST_DATABASE_URL is set. Target: every
 * page's p95 under 100 ms. Thumbnail serving is benchmark 6 (`thumbnails`).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabaseEnv } from 'snapshotplot-server/testing';
import { seedIds, seedStatements } from './lib/gallery-seed.js';
import { type Project, startProject } from './lib/processes.js';
import { type BenchResult, round } from './lib/stats.js';
import { cpuMs } from './list.js';

const TARGET_MS = 100;
const PG_ENV = 'SNAPSHOTPLOT_TEST_DATABASE_URL';
const serverRequire = createRequire(fileURLToPath(import.meta.resolve('snapshotplot-server')));

interface SqliteDb {
  exec(sql: string): void;
  close(): void;
}
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

/** Seeds the project: SQLite while the server is stopped, PostgreSQL while it runs. */
async function seed(project: Project, backend: 'sqlite' | 'postgres', rows: number) {
  const statements = seedStatements(backend, project.projectId, rows);
  if (backend === 'sqlite') {
    await project.server.stop();
    const Database = serverRequire('better-sqlite3') as new (f: string) => SqliteDb;
    const db = new Database(join(project.server.dataDir, 'snapshotplot.db'));
    try {
      db.exec(`begin; ${statements.join(';\n')}; commit; analyze;`);
    } finally {
      db.close();
    }
    await project.server.restart();
    return;
  }
  const url = testDatabaseEnv(['--data-dir', project.server.dataDir]).DATABASE_URL!;
  const pg = serverRequire('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // As the app role (row-level security on), with the server's own unrestricted scope.
    await client.query(`begin; set local app.principal_projects = '*'`);
    for (const s of statements) await client.query(s);
    await client.query('commit');
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** A gallery session cookie for the project's token. */
async function signIn(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`sign-in answered ${res.status} without a session cookie`);
  return cookie;
}

/** The pages measured: name -> path. */
function pages(projectId: string, rows: number): Array<[string, string]> {
  const p = `/projects/${projectId}`;
  const ids = seedIds(rows);
  const later = `snap_${String(Math.floor(rows / 2)).padStart(10, '0')}`;
  const filters: Array<[string, string]> = [
    ['branch', 'branch=dev'],
    ['tag', 'tag=set-1'],
    ['collection', 'collection=eval'],
    ['q', 'q=loss'],
  ];
  return [
    ['latest', p],
    ...filters.map(([n, q]): [string, string] => [`latest ${n}`, `${p}?${q}`]),
    ['latest, page 2 (cursor)', `${p}?cursor=${ids.pageTwo}`],
    ['all', `${p}?view=all`],
    ...filters.map(([n, q]): [string, string] => [`all ${n}`, `${p}?view=all&${q}`]),
    ['all, later page (cursor)', `${p}?view=all&cursor=${later}`],
    ['snapshot (450 versions)', `${p}/snapshots/${ids.plain}`],
    ['snapshot + history (1,000 versions)', `${p}/snapshots/${ids.thousand}`],
    ['snapshot + history (10,000 versions)', `${p}/snapshots/${ids.hot}`],
  ];
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

/** Every page `rounds` times, interleaved; p50/p95 and server CPU ms per request. */
async function measure(project: Project, cookie: string, rounds: number, rows: number) {
  const list = pages(project.projectId, rows);
  const times = new Map<string, number[]>(list.map(([n]) => [n, []]));
  const cpu = new Map<string, number>(list.map(([n]) => [n, 0]));
  const get = async (path: string) => {
    const res = await fetch(`${project.server.url}${path}`, { headers: { cookie } });
    const body = await res.text();
    if (res.status !== 200)
      throw new Error(`${path} answered ${res.status}: ${body.slice(0, 200)}`);
    return body;
  };
  for (const [, path] of list) await get(path); // warm-up (and a check that each page answers)
  for (let r = 0; r < rounds; r++) {
    for (const [name, path] of list) {
      const c0 = await cpuMs(project.server.pid);
      const t0 = performance.now();
      await get(path);
      times.get(name)!.push(performance.now() - t0);
      cpu.set(name, cpu.get(name)! + (await cpuMs(project.server.pid)) - c0);
    }
  }
  return list.map(([name, path]) => {
    const sorted = times.get(name)!.sort((a, b) => a - b);
    return {
      page: name,
      path: path.replace(project.projectId, '{id}'),
      p50_ms: round(quantile(sorted, 0.5), 1),
      p95_ms: round(quantile(sorted, 0.95), 1),
      cpu_ms_per_request: round(cpu.get(name)! / rounds, 1),
    };
  });
}

async function run(backend: 'sqlite' | 'postgres', rows: number, rounds: number) {
  const saved = process.env[PG_ENV];
  if (backend === 'sqlite') delete process.env[PG_ENV];
  let project: Project;
  try {
    project = await startProject();
  } finally {
    if (saved !== undefined) process.env[PG_ENV] = saved;
  }
  try {
    const t0 = performance.now();
    await seed(project, backend, rows);
    const seedSeconds = round((performance.now() - t0) / 1000, 1);
    const cookie = await signIn(project.server.url, project.token);
    const result = await measure(project, cookie, rounds, rows);
    for (const r of result) console.error(`[${backend}] ${JSON.stringify(r)}`);
    return { seed_s: seedSeconds, pages: result };
  } finally {
    await project.server.destroy();
  }
}

/** Runs the gallery benchmark. */
export async function benchGallery(o: { quick: boolean }): Promise<BenchResult> {
  const rows = o.quick ? 10_000 : 100_000;
  const rounds = o.quick ? 20 : 60;
  const backends: Array<'sqlite' | 'postgres'> = process.env[PG_ENV]
    ? ['sqlite', 'postgres']
    : ['sqlite'];
  const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
  for (const b of backends) results[b] = await run(b, rows, rounds);
  const worst = Math.max(...Object.values(results).flatMap((r) => r.pages.map((p) => p.p95_ms)));
  const { loadavg } = await import('node:os');
  return {
    name: 'gallery',
    quick: o.quick,
    target: `every gallery page p95 < ${TARGET_MS} ms with ${rows} snapshots stored`,
    met: worst < TARGET_MS,
    ratio: round(worst / TARGET_MS, 2),
    worst_p95_ms: worst,
    snapshots: rows,
    rounds,
    load_average: loadavg().map((l) => round(l, 1)),
    backends: results,
  };
}
