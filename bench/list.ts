/**
 * Benchmark 5: list newest 50. Publishes SEED ready snapshots (3 tags, a plot each) through
 * the API, then autocannon at 16 connections on `GET /api/projects/{id}/snapshots?limit=50`
 * against the server, and the same GET against a bare node:http handler doing one SELECT of
 * the same page from the server's own database file (bench/baselines/list-baseline.mjs).
 * Runs alternate between the two. Reports requests/s and p50/p99 latency.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startBaseline, startProject } from './lib/processes.js';
import { type BenchResult, median, round } from './lib/stats.js';
import { TINY_PNG } from './publish-rate.js';

const SEED = 200;

interface RunStats {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) the answering process spent per request, in ms. */
  cpuMsPerRequest: number;
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
  const cpuBefore = await cpuMs(pid);
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
    cpuMsPerRequest: ((await cpuMs(pid)) - cpuBefore) / Math.max(1, r.requests.total),
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

/** Runs the list benchmark. */
export async function benchList(o: { quick: boolean }): Promise<BenchResult> {
  const seconds = o.quick ? 3 : 10;
  const runs = o.quick ? 2 : 3;
  const project = await startProject();
  const projectRuns: RunStats[] = [];
  const baselineRuns: RunStats[] = [];
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined;
  try {
    const { url } = project.server;
    await seedThroughApi(url, project.token, project.projectId, SEED);
    baseline = await startBaseline('list-baseline', [
      join(project.server.dataDir, 'snapshotplot.db'),
    ]);
    const path = `/api/projects/${project.projectId}/snapshots?limit=50`;
    const pp = project.server.pid;
    await loadList(url, path, project.token, 1, pp);
    await loadList(baseline.url, path, '', 1, baseline.pid);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? ['baseline', 'project'] : ['project', 'baseline'];
      for (const side of order) {
        if (side === 'project')
          projectRuns.push(await loadList(url, path, project.token, seconds, pp));
        else baselineRuns.push(await loadList(baseline.url, path, '', seconds, baseline.pid));
      }
    }
  } finally {
    await project.server.destroy();
    await baseline?.stop();
  }
  const summary = (r: RunStats[]) => ({
    requests_per_s: round(median(r.map((x) => x.rps)), 0),
    p50_ms: median(r.map((x) => x.p50)),
    p99_ms: median(r.map((x) => x.p99)),
    failed_requests: r.reduce((sum, x) => sum + x.errors, 0),
    cpu_ms_per_request: round(median(r.map((x) => x.cpuMsPerRequest)), 3),
  });
  const ratio = round(
    median(projectRuns.map((x) => x.rps)) / median(baselineRuns.map((x) => x.rps)),
    3,
  );
  const p = summary(projectRuns);
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
  };
}
