/**
 * Benchmark 9 (needs SNAPSHOTPLOT_TEST_DATABASE_URL): publish rate on PostgreSQL + disk against
 * SQLite + disk, the same built server, the same load as benchmark 2 (32 connections looping
 * publish -> tiny PUT -> finalize), runs interleaved. Reports requests/s, p50/p99, CPU ms per
 * request (the node process; on PostgreSQL plus its database backends, all from /proc), and
 * what pg_stat_activity shows while loaded: connections idle in transaction or waiting on a lock.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startTestServer, testDatabaseEnv } from 'snapshotplot-server/testing';
import { type BenchResult, median, round } from './lib/stats.js';
import { cpuMs } from './list.js';
import { load } from './publish-rate.js';

const ADMIN_ENV = 'SNAPSHOTPLOT_TEST_DATABASE_URL';

/** The slice of pg's Client used here; pg is the server package's own (no root dependency). */
interface PgClient {
  connect(): Promise<void>;
  query<R>(text: string, values: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
const serverRequire = createRequire(fileURLToPath(import.meta.resolve('snapshotplot-server')));
const { Client } = serverRequire('pg') as {
  Client: new (o: { connectionString: string }) => PgClient;
};

interface Side {
  name: 'sqlite' | 'postgres';
  url: string;
  pid: number;
  token: string;
  projectId: string;
  database?: string;
  stop(): Promise<void>;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The node process's CPU ms per request. */
  cpuMsPerRequest: number;
  /** Its PostgreSQL backends' CPU ms per request (0 on SQLite, which runs in-process). */
  dbCpuMsPerRequest: number;
  /** Largest number of backends seen idle in transaction / waiting on a lock (PostgreSQL). */
  idleInTransaction?: number;
  lockWaits?: number;
}

async function start(name: Side['name']): Promise<Side> {
  const admin = process.env[ADMIN_ENV];
  // startTestServer gives every server its own PostgreSQL database while the variable is set.
  if (name === 'sqlite') delete process.env[ADMIN_ENV];
  try {
    const server = await startTestServer({
      env: { SNAPSHOTPLOT_LOG_LEVEL: 'info', SNAPSHOTPLOT_CHECK_RESPONSES: '0' },
    });
    const project = await server.createProject('bench');
    const token = await server.createToken(project.id, 'publisher');
    const url = testDatabaseEnv(['--data-dir', server.dataDir]).DATABASE_URL;
    return {
      name,
      url: server.url,
      pid: server.pid,
      token,
      projectId: project.id,
      database: url ? new URL(url).pathname.slice(1) : undefined,
      stop: () => server.destroy(),
    };
  } finally {
    process.env[ADMIN_ENV] = admin;
  }
}

/** Backends of `database` (pid, state, wait) as the admin role sees them. */
async function activity(admin: PgClient, database: string) {
  const r = await admin.query<{ pid: number; state: string | null; wait: string | null }>(
    `select pid, state, wait_event_type as wait from pg_stat_activity
     where datname = $1 and pid <> pg_backend_pid()`,
    [database],
  );
  return r.rows;
}

async function measure(side: Side, admin: PgClient, seconds: number): Promise<Run> {
  const backends = side.database ? (await activity(admin, side.database)).map((b) => b.pid) : [];
  const dbCpu = async () => {
    let sum = 0;
    for (const pid of backends) sum += await cpuMs(pid).catch(() => 0);
    return sum;
  };
  const before = await cpuMs(side.pid);
  const dbBefore = await dbCpu();
  let idle = 0;
  let locks = 0;
  let sampling = Boolean(side.database);
  const sampler = (async () => {
    while (sampling) {
      const rows = await activity(admin, side.database!);
      idle = Math.max(idle, rows.filter((b) => b.state === 'idle in transaction').length);
      locks = Math.max(locks, rows.filter((b) => b.wait === 'Lock').length);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const r = await load(side.url, side.token, side.projectId, seconds);
  sampling = false;
  await sampler;
  const requests = Math.max(1, Math.round(r.rps * seconds));
  return {
    ...r,
    cpuMsPerRequest: ((await cpuMs(side.pid)) - before) / requests,
    dbCpuMsPerRequest: ((await dbCpu()) - dbBefore) / requests,
    ...(side.database ? { idleInTransaction: idle, lockWaits: locks } : {}),
  };
}

/** Runs the PostgreSQL + disk against SQLite + disk publish-rate benchmark. */
export async function benchPostgres(o: { quick: boolean }): Promise<BenchResult> {
  const adminUrl = process.env[ADMIN_ENV];
  if (!adminUrl) {
    throw new Error(
      `the postgres benchmark needs ${ADMIN_ENV}: export ${ADMIN_ENV}=$(.ci/start-postgres.sh | tail -n 1)`,
    );
  }
  const seconds = o.quick ? 3 : 10;
  const runs = o.quick ? 1 : 3;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const sides = [await start('sqlite'), await start('postgres')];
  const results: Record<Side['name'], Run[]> = { sqlite: [], postgres: [] };
  try {
    // Warm up (JIT, caches, the pool's connections) before measuring.
    for (const side of sides) await load(side.url, side.token, side.projectId, 1);
    for (let i = 0; i < runs; i++) {
      for (const side of i % 2 ? [...sides].reverse() : sides) {
        results[side.name].push(await measure(side, admin, seconds));
      }
    }
  } finally {
    await Promise.all(sides.map((s) => s.stop()));
    await admin.end();
  }
  const summary = (r: Run[]) => ({
    requests_per_s: round(median(r.map((x) => x.rps)), 0),
    snapshots_per_s: round(median(r.map((x) => x.rps)) / 3, 0),
    p50_ms: median(r.map((x) => x.p50)),
    p99_ms: median(r.map((x) => x.p99)),
    cpu_ms_per_request: round(median(r.map((x) => x.cpuMsPerRequest)), 2),
    db_cpu_ms_per_request: round(median(r.map((x) => x.dbCpuMsPerRequest)), 2),
    failed_requests: r.reduce((sum, x) => sum + x.errors, 0),
    ...(r[0]?.idleInTransaction === undefined
      ? {}
      : {
          most_idle_in_transaction: Math.max(...r.map((x) => x.idleInTransaction ?? 0)),
          most_lock_waits: Math.max(...r.map((x) => x.lockWaits ?? 0)),
        }),
  });
  const ratio = round(
    median(results.postgres.map((x) => x.rps)) / median(results.sqlite.map((x) => x.rps)),
    3,
  );
  const postgres = summary(results.postgres);
  return {
    name: 'postgres',
    quick: o.quick,
    target: 'PostgreSQL + disk publish rate ≥ 1.0 × SQLite + disk, zero failed requests',
    met: ratio >= 1 && postgres.failed_requests === 0,
    ratio,
    concurrency: 32,
    seconds_per_run: seconds,
    runs,
    postgres,
    sqlite: summary(results.sqlite),
  };
}
