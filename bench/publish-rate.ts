/**
 * Benchmark 2: publish rate. autocannon at 32 connections, each looping publish -> PUT a tiny
 * plot -> finalize against the server, and the same three requests against a bare express app
 * doing one SQLite insert per request. Reports requests/s, snapshots/s and p50/p99 latency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startBaseline, startProject } from './lib/processes.js';
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
          const parsed = JSON.parse(body) as { snapshot_id: string; upload_urls: { plot: string } };
          const upload = new URL(parsed.upload_urls.plot, url);
          context.uploadPath = upload.pathname + upload.search;
          context.snapshotId = parsed.snapshot_id;
          if (_status !== 201) failures.push(`publish ${_status} ${body.slice(0, 200)}`);
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

/** Runs the publish-rate benchmark. */
export async function benchPublishRate(o: { quick: boolean }): Promise<BenchResult> {
  const seconds = o.quick ? 3 : 10;
  const runs = o.quick ? 1 : 3;
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-rate-'));
  const project = await startProject();
  const baseline = await startBaseline('publish-baseline', [dir]);
  const projectRuns: RunStats[] = [];
  const baselineRuns: RunStats[] = [];
  try {
    // Warm both up (JIT, SQLite page cache) before measuring.
    await load(project.server.url, project.token, project.projectId, 1);
    await load(baseline.url, '', 'p', 1);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? ['baseline', 'project'] : ['project', 'baseline'];
      for (const side of order) {
        if (side === 'project') {
          projectRuns.push(
            await load(project.server.url, project.token, project.projectId, seconds),
          );
        } else baselineRuns.push(await load(baseline.url, '', 'p', seconds));
      }
    }
  } finally {
    await project.server.destroy();
    await baseline.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const summary = (r: RunStats[]) => ({
    requests_per_s: round(median(r.map((x) => x.rps)), 0),
    snapshots_per_s: round(median(r.map((x) => x.rps)) / 3, 0),
    p50_ms: median(r.map((x) => x.p50)),
    p99_ms: median(r.map((x) => x.p99)),
    failed_requests: r.reduce((sum, x) => sum + x.errors, 0),
  });
  const ratio = round(
    median(projectRuns.map((x) => x.rps)) / median(baselineRuns.map((x) => x.rps)),
    3,
  );
  const p = summary(projectRuns);
  return {
    name: 'publish-rate',
    quick: o.quick,
    target: 'ratio ≥ 0.6 of the baseline requests/s at concurrency 32, zero failed requests',
    met: ratio >= 0.6 && p.failed_requests === 0,
    ratio,
    concurrency: 32,
    seconds_per_run: seconds,
    runs,
    requests_per_snapshot: 3,
    project: p,
    baseline: summary(baselineRuns),
  };
}
