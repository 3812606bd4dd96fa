/**
 * Benchmark 5: list newest 50. Publishes SEED ready snapshots (3 tags, a plot each) through
 * the API, then autocannon at 16 connections on `GET /api/projects/{id}/snapshots?limit=50`
 * against the server, and the same GET against a bare node:http handler doing one SELECT of
 * the same page from the server's own database file (bench/baselines/list-baseline.mjs).
 * Runs alternate between the two. Reports requests/s and p50/p99 latency, for `serve
 * --workers 1` and `--workers 2` (SNAPSHOTPLOT_BENCH_WORKERS) with the CPU all the server's
 * processes used per request.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  benchWorkerCounts,
  processTreeCpuMs,
  startBaseline,
  startProject,
} from './lib/processes.js';
import { type BenchResult, median, round } from './lib/stats.js';
import { TINY_PNG } from './publish-rate.js';

const SEED = 200;

interface RunStats {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) the answering processes spent per request, in ms. */
  cpuMsPerRequest: number;
  /** That CPU time over the run's wall time: how many cores the server kept busy. */
  cores: number;
}

/** utime + stime of a process in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export async function loadList(
  url: string,
  path: string,
  token: string,
  seconds: number,
  pid: number,
) {
  // The process and its children: a `serve --workers` primary and its workers.
  const cpuBefore = await processTreeCpuMs(pid);
  const t0 = performance.now();
  const r = await autocannon({
    url: url + path,
    connections: 16,
    duration: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    rps: r.requests.total / (r.duration || seconds),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    ...(await (async () => {
      const cpu = (await processTreeCpuMs(pid)) - cpuBefore;
      return {
        cpuMsPerRequest: cpu / Math.max(1, r.requests.total),
        cores: cpu / (performance.now() - t0),
      };
    })()),
  } satisfies RunStats;
}

/** Publishes `n` ready snapshots with tags and a plot, 8 at a time. */
export async function seedThroughApi(url: string, token: string, projectId: string, n: number) {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const one = async (i: number) => {
    const pub = await fetch(`${url}/api/snapshots/publish`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        project_id: projectId,
        title: `plot ${i % 40}`,
        tags: ['bench', `t${i % 7}`, `run${i % 3}`],
        branch: i % 2 ? 'main' : 'dev',
      }),
    });
    if (pub.status !== 201) throw new Error(`seed publish ${pub.status} ${await pub.text()}`);
    const body = (await pub.json()) as { snapshot_id: string; upload_urls: { plot: string } };
    const put = await fetch(new URL(body.upload_urls.plot, url), {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: TINY_PNG,
    });
    if (put.status !== 200) throw new Error(`seed PUT ${put.status} ${await put.text()}`);
    const fin = await fetch(`${url}/api/snapshots/finalize`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ project_id: projectId, snapshot_id: body.snapshot_id }),
    });
    if (fin.status !== 200) throw new Error(`seed finalize ${fin.status} ${await fin.text()}`);
  };
  for (let i = 0; i < n; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => one(i + k)));
  }
}

/** Runs the list benchmark, for each `serve --workers` count (benchWorkerCounts). */
export async function benchList(o: { quick: boolean }): Promise<BenchResult> {
  const seconds = o.quick ? 3 : 10;
  const runs = o.quick ? 2 : 3;
  const counts = benchWorkerCounts();
  const project = await startProject({ workers: counts[0] });
  // Every count serves the same data dir (SQLite in WAL: readers do not block each other).
  const sides = [{ workers: counts[0]!, server: project.server, runs: [] as RunStats[] }];
  const baselineRuns: RunStats[] = [];
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined;
  const loadBefore = loadavg()[0]!;
  try {
    const { url } = project.server;
    await seedThroughApi(url, project.token, project.projectId, SEED);
    for (const workers of counts.slice(1)) {
      const other = await startProject({ workers, dataDir: project.server.dataDir });
      sides.push({ workers, server: other.server, runs: [] });
    }
    baseline = await startBaseline('list-baseline', [
      join(project.server.dataDir, 'snapshotplot.db'),
    ]);
    const path = `/api/projects/${project.projectId}/snapshots?limit=50`;
    for (const side of sides)
      await loadList(side.server.url, path, project.token, 1, side.server.pid);
    await loadList(baseline.url, path, '', 1, baseline.pid);
    // Interleaved, the order rotating each round: every side sees the same minutes of load.
    const order: Array<(typeof sides)[number] | 'baseline'> = [...sides, 'baseline'];
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < order.length; k++) {
        const side = order[(i + k) % order.length]!;
        if (side === 'baseline')
          baselineRuns.push(await loadList(baseline.url, path, '', seconds, baseline.pid));
        else
          side.runs.push(
            await loadList(side.server.url, path, project.token, seconds, side.server.pid),
          );
      }
    }
  } finally {
    for (const side of sides.slice(1)) await side.server.destroy();
    await project.server.destroy();
    await baseline?.stop();
  }
  const summary = (r: RunStats[]) => ({
    requests_per_s: round(median(r.map((x) => x.rps)), 0),
    p50_ms: median(r.map((x) => x.p50)),
    p99_ms: median(r.map((x) => x.p99)),
    failed_requests: r.reduce((sum, x) => sum + x.errors, 0),
    cpu_ms_per_request: round(median(r.map((x) => x.cpuMsPerRequest)), 3),
    cores_used: round(median(r.map((x) => x.cores)), 2),
  });
  const baselineRps = median(baselineRuns.map((x) => x.rps));
  const byWorkers = sides.map((side) => ({
    workers: side.workers,
    ...summary(side.runs),
    ratio: round(median(side.runs.map((x) => x.rps)) / baselineRps, 3),
  }));
  // The headline stays the first count (1 by default: one process, as the history measured).
  const { ratio, ...p } = byWorkers[0]!;
  return {
    name: 'list',
    quick: o.quick,
    target: 'ratio ≥ 0.5 of the baseline requests/s at concurrency 16, zero failed requests',
    met: ratio >= 0.5 && p.failed_requests === 0,
    ratio,
    concurrency: 16,
    seeded_snapshots: SEED,
    seconds_per_run: seconds,
    runs,
    project: p,
    baseline: summary(baselineRuns),
    by_workers: byWorkers,
    load_average: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
  };
}
