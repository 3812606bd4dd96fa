import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createDiffer } from '../src/compare/differ.js';
import { pixelDiff } from '../src/compare/pixel-diff.js';

/** A white w×h PNG, with `paint` setting some pixels (RGBA) first. */
async function png(w: number, h: number, paint: (px: Buffer) => void = () => {}) {
  const px = Buffer.alloc(w * h * 4, 255);
  paint(px);
  return sharp(px, { raw: { width: w, height: h, channels: 4 } })
    .png()
    .toBuffer();
}
const side = (bytes: Buffer, contentType = 'image/png') => ({ bytes, contentType });
const set = (px: Buffer, w: number, x: number, y: number, rgb: [number, number, number]) => {
  const i = (y * w + x) * 4;
  px[i] = rgb[0];
  px[i + 1] = rgb[1];
  px[i + 2] = rgb[2];
};

describe('pixelDiff', () => {
  it('finds no change between identical images', async () => {
    const a = await png(40, 30);
    const r = await pixelDiff(side(a), side(Buffer.from(a)));
    expect(r).toMatchObject({ compared: true, width: 40, height: 30, changed_pixels: 0 });
  });

  it('counts one changed pixel and draws a PNG difference image', async () => {
    const a = await png(40, 30);
    const b = await png(40, 30, (px) => set(px, 40, 5, 7, [255, 0, 0]));
    const r = await pixelDiff(side(a), side(b));
    expect(r).toMatchObject({ compared: true, changed_pixels: 1 });
    if (!r.compared) throw new Error('not compared');
    const meta = await sharp(r.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 40, 30]);
  });

  it('does not count an anti-aliased edge that moved', async () => {
    // A black square with a one-pixel grey (anti-aliased) rim; the head moves the rim's
    // intensity, as a renderer's sub-pixel shift does.
    const square = (grey: number) =>
      png(30, 30, (px) => {
        for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) set(px, 30, x, y, [0, 0, 0]);
        for (let y = 10; y < 20; y++) set(px, 30, 20, y, [grey, grey, grey]);
      });
    const r = await pixelDiff(side(await square(200)), side(await square(90)));
    expect(r).toMatchObject({ compared: true, changed_pixels: 0 });
    // The same change away from an edge is counted.
    const solid = await png(30, 30);
    const dot = await png(30, 30, (px) => set(px, 30, 3, 3, [90, 90, 90]));
    expect(await pixelDiff(side(solid), side(dot))).toMatchObject({ changed_pixels: 1 });
  });

  it('reports different sizes as size_changed', async () => {
    const r = await pixelDiff(side(await png(40, 30)), side(await png(41, 30)));
    expect(r).toMatchObject({ compared: false, reason: 'size_changed', width: 41, height: 30 });
  });

  it('rasterises SVG at one density', async () => {
    const svg = (fill: string) =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="20"><rect width="50" height="20" fill="white"/><rect x="10" y="5" width="10" height="10" fill="${fill}"/></svg>`,
      );
    const same = await pixelDiff(
      side(svg('blue'), 'image/svg+xml'),
      side(svg('blue'), 'image/svg+xml'),
    );
    expect(same).toMatchObject({ compared: true, width: 50, height: 20, changed_pixels: 0 });
    const changed = await pixelDiff(
      side(svg('blue'), 'image/svg+xml'),
      side(svg('red'), 'image/svg+xml'),
    );
    expect(changed).toMatchObject({ compared: true, changed_pixels: 100 });
  });

  it('answers decode_failed for a corrupt PNG, and not_raster for other types', async () => {
    const good = await png(10, 10);
    const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.alloc(30, 7)]);
    expect(await pixelDiff(side(good), side(corrupt))).toMatchObject({
      compared: false,
      reason: 'decode_failed',
    });
    expect(
      await pixelDiff(side(good, 'application/pdf'), side(good, 'application/pdf')),
    ).toMatchObject({
      compared: false,
      reason: 'not_raster',
    });
  });

  it('refuses images over the pixel limit as too_large', async () => {
    const r = await pixelDiff(side(await png(100, 100)), side(await png(100, 100)), {
      maxPixels: 5000,
      timeoutMs: 10_000,
    });
    expect(r).toMatchObject({ compared: false, reason: 'too_large' });
  });
});

describe('the differ (worker threads)', () => {
  it('compares in a thread, and answers timeout when a pair runs over its budget', async () => {
    const a = await png(400, 300);
    const b = await png(400, 300, (px) => set(px, 400, 5, 7, [255, 0, 0]));
    const differ = createDiffer({
      maxPixels: 40_000_000,
      timeoutMs: 30_000,
      threads: 1,
      maxQueue: 4,
    });
    try {
      const r = await differ.diff(side(a), side(b));
      expect(r).toMatchObject({ compared: true, changed_pixels: 1, width: 400, height: 300 });
      if (!r.compared) throw new Error('not compared');
      expect((await sharp(r.png).metadata()).format).toBe('png');
      expect(await differ.diff(side(a), side(Buffer.from('not an image')))).toMatchObject({
        reason: 'decode_failed',
      });
    } finally {
      await differ.close();
    }
    // A budget no decode can meet: the thread is terminated, the pair is a timeout.
    const slow = createDiffer({ maxPixels: 40_000_000, timeoutMs: 1, threads: 1, maxQueue: 4 });
    try {
      const big = await png(2000, 1500);
      expect(await slow.diff(side(big), side(big))).toMatchObject({
        compared: false,
        reason: 'timeout',
      });
      expect(slow.stats().timeouts).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
