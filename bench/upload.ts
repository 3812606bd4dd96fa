/**
 * Benchmark 1: upload throughput. The same streamed PUT of a 100 MiB and a 1 GiB file to the
 * server's `/upload/plot/…` URL and to a bare node:http handler that pipes into a file on the
 * same disk; runs alternate between the two. Also the server's peak RSS (VmHWM).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Runs the upload benchmark; sizes in MiB. */
export async function benchUpload(o: { quick: boolean }): Promise<BenchResult> {
  const sizes = o.quick ? [16, 64] : [100, 1024];
  const runs = o.quick ? 2 : 5;
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-upload-'));
  const project = await startProject({ args: ['--max-upload-bytes', String(2048 * MiB)] });
  const baseline = await startBaseline('upload-baseline', [dir]);
  const perSize: Record<string, unknown> = {};
  let ratios: number[] = [];
  try {
    for (const mib of sizes) {
      const file = join(dir, `body-${mib}.bin`);
      const bytes = mib * MiB;
      await makeFile(file, bytes);
      const n = mib >= 1024 ? Math.min(runs, 3) : runs;
      // The peak is measured per size: reset VmHWM to the idle RSS before this size's runs.
      const idle = await rssMiB(project.server.pid);
      const reset = await resetPeakRss(project.server.pid);
      const projectMs: number[] = [];
      const baselineMs: number[] = [];
      for (let i = 0; i < n; i++) {
        const url = await uploadUrl(project, `upload ${mib} ${i}`);
        // Alternate the order so page-cache and CPU drift hit both sides alike.
        const order = i % 2 ? ['baseline', 'project'] : ['project', 'baseline'];
        for (const side of order) {
          const target = side === 'project' ? url : `${baseline.url}/upload`;
          let status = 0;
          const ms = await timed(async () => {
            status = await put(target, file, bytes);
          });
          if (status !== 200) throw new Error(`${side} upload answered ${status}`);
          (side === 'project' ? projectMs : baselineMs).push(ms);
        }
        // Keep the disk from filling: drop what both sides stored.
        // (Objects are content-addressed: without this every later run would find its bytes
        // stored and drop its copy instead of moving it into place.)
        for (const folder of ['plots', 'objects']) {
          await rm(join(project.server.dataDir, 'files', folder), { recursive: true, force: true });
        }
        for (const f of await readdir(dir)) {
          if (f.startsWith('baseline-')) await rm(join(dir, f), { force: true });
        }
      }
      await rm(file, { force: true });
      const mibps = (ms: number) => round(mib / (ms / 1000), 1);
      const ratio = round(median(baselineMs) / median(projectMs), 3);
      ratios = [...ratios, ratio];
      perSize[`${mib}MiB`] = {
        runs: n,
        project_mib_per_s: mibps(median(projectMs)),
        baseline_mib_per_s: mibps(median(baselineMs)),
        ratio,
        project_runs_mib_per_s: projectMs.map(mibps),
        baseline_runs_mib_per_s: baselineMs.map(mibps),
        server_idle_rss_mib: idle,
        server_peak_rss_mib: await peakRssMiB(project.server.pid),
        peak_is_for_this_size: reset,
      };
    }
    // The last size is the largest: its peak is the one the target is about.
    const peak = await peakRssMiB(project.server.pid);
    const baselinePeak = await peakRssMiB(baseline.pid);
    const ratio = Math.min(...ratios);
    return {
      name: 'upload',
      quick: o.quick,
      target: 'ratio ≥ 0.8 at every size; server peak RSS < 150 MiB during the largest upload',
      met: ratio >= 0.8 && peak < 150,
      ratio,
      server_peak_rss_mib: peak,
      baseline_peak_rss_mib: baselinePeak,
      sizes: perSize,
    };
  } finally {
    await project.server.destroy();
    await baseline.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
