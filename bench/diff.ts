/**
 * Benchmark 5: diff. The server's pixel diff (packages/server/dist/compare/pixel-diff.js:
 * sharp probes and decodes both PNGs, pixelmatch counts, sharp encodes the difference PNG) of
 * a 2000×1500 plot pair differing in a 200×100 block, against the bare work it cannot avoid
 * (sharp decoding both to RGBA and one pixelmatch pass, no probe, no encode). In-process.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pixelDiff } from '../packages/server/dist/compare/pixel-diff.js';
import { type BenchResult, median, round, timed } from './lib/stats.js';

// sharp and pixelmatch are the server's dependencies, not the workspace root's.
const serverRequire = createRequire(fileURLToPath(import.meta.resolve('snapshotplot-server')));
const load = async <T>(name: string): Promise<T> =>
  ((await import(pathToFileURL(serverRequire.resolve(name)).href)) as { default: T }).default;
/** The few calls of sharp's chain this file makes (its types live with the server). */
interface SharpChain {
  ensureAlpha(): SharpChain;
  raw(): SharpChain;
  png(): SharpChain;
  toBuffer(): Promise<Buffer>;
  toBuffer(o: { resolveWithObject: true }): Promise<{ data: Buffer }>;
}
const sharp =
  await load<
    (input: Buffer, o?: { raw: { width: number; height: number; channels: 4 } }) => SharpChain
  >('sharp');
const pixelmatch =
  await load<
    (
      a: Buffer,
      b: Buffer,
      out: Buffer | null,
      w: number,
      h: number,
      o: { threshold: number; includeAA: boolean },
    ) => number
  >('pixelmatch');

const W = 2000;
const H = 1500;

/** A plot-like PNG: white, a grid every 100 px, a block painted `shade` at (600, 700). */
async function plot(shade: number): Promise<Buffer> {
  const px = Buffer.alloc(W * H * 4, 255);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (x % 100 === 0 || y % 100 === 0) px.fill(180, (y * W + x) * 4, (y * W + x) * 4 + 3);
  for (let y = 700; y < 800; y++)
    for (let x = 600; x < 800; x++) px.fill(shade, (y * W + x) * 4, (y * W + x) * 4 + 3);
  return sharp(px, { raw: { width: W, height: H, channels: 4 } })
    .png()
    .toBuffer();
}

async function bare(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all(
    [a, b].map((p) => sharp(p).ensureAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  return pixelmatch(x!.data, y!.data, null, W, H, { threshold: 0.1, includeAA: false });
}

/** Runs the diff benchmark. */
export async function benchDiff(o: { quick: boolean }): Promise<BenchResult> {
  const runs = o.quick ? 3 : 9;
  const [a, b] = [await plot(40), await plot(220)];
  const project: number[] = [];
  const baseline: number[] = [];
  let changed = 0;
  for (let r = 0; r < runs; r++) {
    project.push(
      await timed(async () => {
        const d = await pixelDiff(
          { bytes: a, contentType: 'image/png' },
          { bytes: b, contentType: 'image/png' },
        );
        if (!d.compared) throw new Error(`not compared: ${d.reason}`);
        changed = d.changed_pixels;
      }),
    );
    baseline.push(await timed(() => bare(a, b)));
  }
  const p = median(project);
  const ratio = round(p / median(baseline));
  return {
    name: 'diff',
    quick: o.quick,
    // The bare side draws no difference image: the ratio is what drawing and encoding cost.
    target: 'a 2000×1500 pair under 500 ms (the ratio is informational)',
    met: p < 500,
    ratio,
    project_ms: round(p),
    baseline_ms: round(median(baseline)),
    changed_pixels: changed,
    runs,
  };
}
