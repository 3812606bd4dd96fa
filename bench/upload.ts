/**
 * Benchmark 1: upload throughput. The same streamed PUT of a 100 MiB and a 1 GiB file to the
 * server's `/upload/plot/…` URL and to two node:http baselines on the same disk: the bare one
 * pipes into a file; the fair one also hashes (sha256), fsyncs and renames, the work every
 * durable upload must do. Runs rotate between the three. Also the server's peak RSS (VmHWM)
 * and the CPU time (utime + stime) each process spent per upload.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Project, startBaseline, startProject } from './lib/processes.js';
import {
  type BenchResult,
  MiB,
  median,
  peakRssMiB,
  resetPeakRss,
  round,
  rssMiB,
  timed,
} from './lib/stats.js';
import { cpuMs } from './list.js';

const run = promisify(execFile);

/** Writes `bytes` of incompressible data (a repeated random 1 MiB block). */
async function makeFile(path: string, bytes: number): Promise<void> {
  const block = randomBytes(MiB);
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += MiB) await file.write(block);
  } finally {
    await file.close();
  }
}

/** Streams the file as a PUT body; resolves with the status once the answer is read. */
function put(url: string, path: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        headers: { 'content-type': 'image/png', 'content-length': size },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    createReadStream(path).pipe(req);
  });
}

async function uploadUrl(p: Project, title: string): Promise<string> {
  const res = await fetch(`${p.server.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: p.projectId, title }),
  });
  if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { upload_urls: { plot: string } }).upload_urls.plot;
}

type Side = 'project' | 'bare' | 'fair';
/**
 * Run i uses order i mod 6: every side follows every other equally often (with a fixed cycle
 * the side after the bare baseline would always start while its unsynced writes drain).
 */
const ORDERS: Side[][] = [
  ['project', 'bare', 'fair'],
  ['fair', 'bare', 'project'],
  ['bare', 'fair', 'project'],
  ['project', 'fair', 'bare'],
  ['fair', 'project', 'bare'],
  ['bare', 'project', 'fair'],
];

/** Drops what each side stored and flushes the page cache, so no run pays for the one before. */
async function clearStored(dataDir: string, dir: string): Promise<void> {
  // Objects are content-addressed: without this every later run would find its bytes stored
  // and drop its copy instead of moving it into place.
  for (const folder of ['plots', 'objects']) {
    await rm(join(dataDir, 'files', folder), { recursive: true, force: true });
  }
  for (const f of await readdir(dir)) {
    if (f.startsWith('baseline-')) await rm(join(dir, f), { force: true });
  }
  await run('sync');
}

/** Runs the upload benchmark; sizes in MiB. */
export async function benchUpload(o: { quick: boolean }): Promise<BenchResult> {
  const sizes = o.quick ? [16, 64] : [100, 1024];
  const runs = o.quick ? 2 : 6;
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-upload-'));
  const project = await startProject({ args: ['--max-upload-bytes', String(2048 * MiB)] });
  const bare = await startBaseline('upload-baseline', [dir]);
  const fair = await startBaseline('upload-fair-baseline', [dir]);
  const pids: Record<Side, number> = {
    project: project.server.pid,
    bare: bare.pid,
    fair: fair.pid,
  };
  const perSize: Record<string, unknown> = {};
  const bareRatios: number[] = [];
  const fairRatios: number[] = [];
  try {
    for (const mib of sizes) {
      const file = join(dir, `body-${mib}.bin`);
      const bytes = mib * MiB;
      await makeFile(file, bytes);
      const n = mib >= 1024 ? Math.min(runs, 3) : runs;
      // The peak is measured per size: reset VmHWM to the idle RSS before this size's runs.
      const idle = await rssMiB(project.server.pid);
      const reset = await resetPeakRss(project.server.pid);
      const ms: Record<Side, number[]> = { project: [], bare: [], fair: [] };
      const cpu: Record<Side, number[]> = { project: [], bare: [], fair: [] };
      for (let i = 0; i < n; i++) {
        const url = await uploadUrl(project, `upload ${mib} ${i}`);
        for (const side of ORDERS[i % ORDERS.length]!) {
          const target = side === 'project' ? url : `${(side === 'bare' ? bare : fair).url}/upload`;
          let status = 0;
          const cpuBefore = await cpuMs(pids[side]);
          const took = await timed(async () => {
            status = await put(target, file, bytes);
          });
          cpu[side].push((await cpuMs(pids[side])) - cpuBefore);
          if (status !== 200) throw new Error(`${side} upload answered ${status}`);
          ms[side].push(took);
          await clearStored(project.server.dataDir, dir);
        }
      }
      await rm(file, { force: true });
      const mibps = (t: number) => round(mib / (t / 1000), 1);
      const bareRatio = round(median(ms.bare) / median(ms.project), 3);
      const fairRatio = round(median(ms.fair) / median(ms.project), 3);
      bareRatios.push(bareRatio);
      fairRatios.push(fairRatio);
      perSize[`${mib}MiB`] = {
        runs: n,
        project_mib_per_s: mibps(median(ms.project)),
        bare_baseline_mib_per_s: mibps(median(ms.bare)),
        fair_baseline_mib_per_s: mibps(median(ms.fair)),
        ratio_to_bare: bareRatio,
        ratio_to_fair: fairRatio,
        project_cpu_ms: round(median(cpu.project), 0),
        bare_cpu_ms: round(median(cpu.bare), 0),
        fair_cpu_ms: round(median(cpu.fair), 0),
        project_runs_mib_per_s: ms.project.map(mibps),
        bare_runs_mib_per_s: ms.bare.map(mibps),
        fair_runs_mib_per_s: ms.fair.map(mibps),
        server_idle_rss_mib: idle,
        server_peak_rss_mib: await peakRssMiB(project.server.pid),
        peak_is_for_this_size: reset,
      };
    }
    // The last size is the largest: its peak is the one the target is about.
    const peak = await peakRssMiB(project.server.pid);
    const ratioToBare = Math.min(...bareRatios);
    const ratioToFair = Math.min(...fairRatios);
    return {
      name: 'upload',
      quick: o.quick,
      target:
        'at every size MiB/s ≥ 0.8 of the fair baseline (hash + fsync + rename) and ≥ 0.6 of the bare one; ' +
        'server peak RSS < 150 MiB during the largest upload (ratio = to the fair baseline)',
      met: ratioToFair >= 0.8 && ratioToBare >= 0.6 && peak < 150,
      ratio: ratioToFair,
      ratio_to_bare: ratioToBare,
      server_peak_rss_mib: peak,
      bare_baseline_peak_rss_mib: await peakRssMiB(bare.pid),
      fair_baseline_peak_rss_mib: await peakRssMiB(fair.pid),
      load_average: loadavg().map((l) => round(l, 1)),
      sizes: perSize,
    };
  } finally {
    await project.server.destroy();
    await bare.stop();
    await fair.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
