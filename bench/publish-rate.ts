/**
 * Benchmark 2: publish rate. autocannon at 32 connections, each looping publish -> PUT a tiny
 * plot -> finalize against the server, and the same three requests against a bare express app
 * doing one SQLite insert per request, and a fair baseline (bench/baselines/publish-fair-baseline.mjs)
 * doing the durable minimum. Reports requests/s, snapshots/s and p50/p99 latency,
 * for `serve --workers 1` and `--workers 2` (SNAPSHOTPLOT_BENCH_WORKERS) with the CPU all the
 * server's processes used per request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  benchWorkerCounts,
  processTreeCpuMs,
  startBaseline,
  startProject,
} from './lib/processes.js';
import { type BenchResult, median, round } from './lib/stats.js';

/** The smallest valid PNG (1×1), so the upload step costs a request, not bandwidth. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

interface Flow {
  uploadPath?: string;
  snapshotId?: string;
}

interface RunStats {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const failures: string[] = [];

export async function load(url: string, token: string, projectId: string, seconds: number) {
  let n = 0;
  const result = await autocannon({
    url,
    connections: 32,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/snapshots/publish',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ project_id: projectId, title: `rate ${process.pid} ${n++}` }),
        }),
        onResponse: (_status, body, context: Flow) => {
          if (_status !== 201) {
            failures.push(`publish ${_status} ${body.slice(0, 200)}`);
            return;
          }
          const parsed = JSON.parse(body) as { snapshot_id: string; upload_urls: { plot: string } };
          const upload = new URL(parsed.upload_urls.plot, url);
          context.uploadPath = upload.pathname + upload.search;
          context.snapshotId = parsed.snapshot_id;
        },
      },
      {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: TINY_PNG,
        setupRequest: (req, context: Flow) => ({ ...req, path: context.uploadPath! }),
        onResponse: (status, body) => {
          if (status !== 200) failures.push(`PUT ${status} ${body.slice(0, 200)}`);
        },
      },
      {
        method: 'POST',
        path: '/api/snapshots/finalize',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        setupRequest: (req, context: Flow) => ({
          ...req,
          body: JSON.stringify({ project_id: projectId, snapshot_id: context.snapshotId }),
        }),
        onResponse: (status, body) => {
          if (status !== 200) failures.push(`finalize ${status} ${body.slice(0, 200)}`);
        },
      },
    ],
  });
  if (failures.length) console.error(`${failures.length} failed requests, e.g. ${failures[0]}`);
  failures.length = 0;
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  } satisfies RunStats;
}

/** One server under test: `serve --workers n`, its runs and its CPU per run. */
interface Side {
  workers: number;
  project: Awaited<ReturnType<typeof startProject>>;
  runs: Array<RunStats & { cpuMsPerRequest: number; cores: number }>;
}

/** A load run against a server, with the CPU its processes (primary and workers) used. */
async function measured(side: Side, seconds: number) {
  const { server, token, projectId } = side.project;
  const cpu0 = await processTreeCpuMs(server.pid);
  const t0 = performance.now();
  const r = await load(server.url, token, projectId, seconds);
  const cpu = (await processTreeCpuMs(server.pid)) - cpu0;
  const requests = r.rps * seconds;
  return {
    ...r,
    cpuMsPerRequest: cpu / Math.max(1, requests),
    cores: cpu / (performance.now() - t0),
  };
}

/** Runs the publish-rate benchmark, for each `serve --workers` count (benchWorkerCounts). */
export async function benchPublishRate(o: { quick: boolean }): Promise<BenchResult> {
  const seconds = o.quick ? 3 : 10;
  const runs = o.quick ? 1 : 3;
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-rate-'));
  const counts = benchWorkerCounts();
  const sides: Side[] = [];
  const baseline = await startBaseline('publish-baseline', [dir]);
  // The same three requests doing what a durable, authenticated publish must (token hash,
  // signed upload URL, fsync + rename of the body, the event in finalize's transaction).
  const fair = await startBaseline('publish-fair-baseline', [dir]);
  const baselineRuns: RunStats[] = [];
  const fairRuns: RunStats[] = [];
  const loadBefore = loadavg()[0]!;
  try {
    for (const workers of counts) {
      sides.push({ workers, project: await startProject({ workers }), runs: [] });
    }
    // Warm every server up (JIT, SQLite page cache) before measuring.
    for (const side of sides) await measured(side, 1);
    await load(baseline.url, '', 'p', 1);
    await load(fair.url, 'bench', 'p', 1);
    // Interleaved, the order rotating each round: every side sees the same minutes of load.
    const order: Array<Side | 'baseline' | 'fair'> = [...sides, 'baseline', 'fair'];
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < order.length; k++) {
        const side = order[(i + k) % order.length]!;
        if (side === 'baseline') baselineRuns.push(await load(baseline.url, '', 'p', seconds));
        else if (side === 'fair') fairRuns.push(await load(fair.url, 'bench', 'p', seconds));
        else side.runs.push(await measured(side, seconds));
      }
    }
  } finally {
    for (const side of sides) await side.project.server.destroy();
    await baseline.stop();
    await fair.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const summary = (r: RunStats[]) => ({
    requests_per_s: round(median(r.map((x) => x.rps)), 0),
    snapshots_per_s: round(median(r.map((x) => x.rps)) / 3, 0),
    p50_ms: median(r.map((x) => x.p50)),
    p99_ms: median(r.map((x) => x.p99)),
    failed_requests: r.reduce((sum, x) => sum + x.errors, 0),
  });
  const baselineRps = median(baselineRuns.map((x) => x.rps));
  const fairRps = median(fairRuns.map((x) => x.rps));
  const byWorkers = sides.map((side) => ({
    workers: side.workers,
    ...summary(side.runs),
    ratio: round(median(side.runs.map((x) => x.rps)) / baselineRps, 3),
    ratio_fair: round(median(side.runs.map((x) => x.rps)) / fairRps, 3),
    server_cpu_ms_per_request: round(median(side.runs.map((x) => x.cpuMsPerRequest)), 3),
    server_cores_used: round(median(side.runs.map((x) => x.cores)), 2),
  }));
  // The headline stays the first count (1 by default: one process, as the history measured).
  const first = byWorkers[0]!;
  const {
    workers: _w,
    ratio,
    ratio_fair,
    server_cpu_ms_per_request,
    server_cores_used,
    ...p
  } = first;
  return {
    name: 'publish-rate',
    quick: o.quick,
    target: 'ratio ≥ 0.6 of the baseline requests/s at concurrency 32, zero failed requests',
    met: ratio >= 0.6 && p.failed_requests === 0,
    ratio,
    ratio_fair,
    concurrency: 32,
    seconds_per_run: seconds,
    runs,
    requests_per_snapshot: 3,
    project: { ...p, workers: first.workers, server_cpu_ms_per_request, server_cores_used },
    baseline: summary(baselineRuns),
    fair_baseline: summary(fairRuns),
    by_workers: byWorkers,
    load_average: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
  };
}
