/**
 * Benchmark 5: thumbnail serving (cached). One 1600×1000 PNG plot is published and its
 * thumbnail made once; then autocannon at 32 connections GETs the thumbnail URL (signed, as the
 * grid uses it), and, as the baseline, the plot's own signed plot_url (the same server, the
 * same storage read, bigger bytes). Also reported: revalidation (If-None-Match → 304) req/s.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProject } from './lib/processes.js';
import { type BenchResult, median, round } from './lib/stats.js';

/** The part of sharp used here (it is the server's dependency, resolved from there). */
type Sharp = (
  input: Buffer,
  o: { raw: { width: number; height: number; channels: 3 } },
) => { png(): { toBuffer(): Promise<Buffer> } };

async function noisyPng(width: number, height: number): Promise<Buffer> {
  const serverRequire = createRequire(fileURLToPath(import.meta.resolve('snapshotplot-server')));
  const sharp = serverRequire('sharp') as Sharp;
  const raw = Buffer.alloc(width * height * 3);
  // A smooth gradient with some noise: plot-like, not incompressible.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = (x * y) % 7 === 0 ? 255 : 128;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

async function load(url: string, seconds: number, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections: 32, duration: seconds, headers });
  return {
    rps: r.requests.total / (r.duration || seconds),
    p50: r.latency.p50,
    p99: r.latency.p99,
    // A revalidation run expects 304s: only transport errors and 4xx/5xx count as failures.
    errors: r.errors + r.timeouts + (headers['if-none-match'] ? r['4xx'] + r['5xx'] : r.non2xx),
    not_modified: r['3xx'],
    bytes_per_response: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : 0,
  };
}
type RunStats = Awaited<ReturnType<typeof load>>;

export async function benchThumbnails(o: { quick: boolean }): Promise<BenchResult> {
  const seconds = o.quick ? 3 : 10;
  const runs = o.quick ? 1 : 3;
  const project = await startProject();
  const base = project.server.url;
  const auth = { authorization: `Bearer ${project.token}`, 'content-type': 'application/json' };
  const thumbRuns: RunStats[] = [];
  const plotRuns: RunStats[] = [];
  const notModifiedRuns: RunStats[] = [];
  let plotBytes = 0;
  let thumbBytes = 0;
  try {
    const png = await noisyPng(1600, 1000);
    plotBytes = png.length;
    const pub = (await (
      await fetch(`${base}/api/snapshots/publish`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ project_id: project.projectId, title: 'bench thumbnail' }),
      })
    ).json()) as { snapshot_id: string; upload_urls: { plot: string } };
    const put = await fetch(new URL(pub.upload_urls.plot, base), {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    if (put.status !== 200) throw new Error(`upload answered ${put.status}`);
    const fin = await fetch(`${base}/api/snapshots/finalize`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ project_id: project.projectId, snapshot_id: pub.snapshot_id }),
    });
    if (fin.status !== 200) throw new Error(`finalize answered ${fin.status}`);
    const snap = (await (
      await fetch(`${base}/api/snapshots/${pub.snapshot_id}`, { headers: auth })
    ).json()) as { plot_url: string };
    const signed = new URL(snap.plot_url);
    const thumbUrl = `${base}/thumbs/${pub.snapshot_id}${signed.search}`;
    // Made once here; every request measured below is served from storage.
    const first = await fetch(thumbUrl);
    if (first.status !== 200) throw new Error(`thumbnail answered ${first.status}`);
    thumbBytes = (await first.arrayBuffer()).byteLength;
    const etag = first.headers.get('etag')!;
    await load(thumbUrl, 1);
    await load(snap.plot_url, 1);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? ['plot', 'thumb'] : ['thumb', 'plot'];
      for (const side of order) {
        if (side === 'thumb') thumbRuns.push(await load(thumbUrl, seconds));
        else plotRuns.push(await load(snap.plot_url, seconds));
      }
      notModifiedRuns.push(await load(thumbUrl, seconds, { 'if-none-match': etag }));
    }
  } finally {
    await project.server.destroy();
  }
  const summary = (r: RunStats[]) => ({
    requests_per_s: round(median(r.map((x) => x.rps)), 0),
    p50_ms: median(r.map((x) => x.p50)),
    p99_ms: median(r.map((x) => x.p99)),
    failed_requests: r.reduce((sum, x) => sum + x.errors, 0),
  });
  const ratio = round(median(thumbRuns.map((x) => x.rps)) / median(plotRuns.map((x) => x.rps)), 3);
  const thumb = summary(thumbRuns);
  return {
    name: 'thumbnails',
    quick: o.quick,
    target:
      'cached thumbnail req/s ≥ the full plot_url req/s of the same plot (ratio ≥ 1), zero failed requests',
    met: ratio >= 1 && thumb.failed_requests === 0,
    ratio,
    concurrency: 32,
    seconds_per_run: seconds,
    runs,
    plot_bytes: plotBytes,
    thumbnail_bytes: thumbBytes,
    thumbnail: thumb,
    thumbnail_304: summary(notModifiedRuns),
    plot_url: summary(plotRuns),
  };
}
