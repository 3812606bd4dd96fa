/**
 * Plot thumbnails over HTTP (thumbnails/): made once per stored object with sharp, kept in the
 * storage at thumbs/{project}/{sha256}.webp, served under plot_url's signature with an ETag,
 * a typed placeholder for what cannot be decoded, deleted with the last snapshot naming the
 * bytes, and made in bulk by `thumbnails backfill`. The grid's cards point at them.
 */

import { Readable } from 'node:stream';
import sharp from 'sharp';
import { runServerCli } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDelivery } from '../src/auth/upload-tokens.js';
import { testDatabaseEnv } from '../src/testing.js';
import { thumbnailUrl } from '../src/thumbnails/routes.js';
import {
  errorOf,
  type Harness,
  objectOf,
  PNG,
  publish,
  sha256,
  startHarness,
  upload,
} from './helpers.js';
import { suiteStorage } from './s3-env.js';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness();
  admin = await h.tokenFor(h.projectId, 'admin');
});
afterAll(() => h.close());

let n = 0;
/** A real, hard-to-compress PNG (noise), different for every call. */
async function noisePng(width = 1600, height = 1000): Promise<Buffer> {
  const seed = ++n;
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const made = () => h.server.context.thumbnails.stats().made;
/** A stored file's bytes (local disk or, under `pnpm test:s3`, the bucket). */
async function fileOf(key: string): Promise<Buffer> {
  const got = await h.server.context.storage.get(key);
  const chunks: Buffer[] = [];
  for await (const c of got!.stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const thumbKey = (bytes: Buffer) => `thumbs/${h.projectId}/${sha256(bytes)}.webp`;

async function ready(bytes: Buffer, contentType = 'image/png', title = `plot ${++n}`) {
  const p = await publish(h, { title, artifacts: { plot: true } });
  expect(p.status).toBe(201);
  expect((await upload(p.body.upload_urls.plot!, bytes, contentType)).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: p.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  return p.body.snapshot_id as string;
}

async function thumbUrlOf(id: string): Promise<string> {
  const snap = (await (await h.api('GET', `/api/snapshots/${id}`)).json()) as {
    plot_url: string;
  };
  const url = thumbnailUrl(id, snap.plot_url);
  expect(url).toMatch(new RegExp(`^${h.url}/thumbs/${id}\\?expires=\\d+&sig=`));
  return url!;
}

describe('thumbnails', () => {
  it('are made once, smaller than the plot, 480 px wide WebP, then served from storage', async () => {
    const png = await noisePng();
    const id = await ready(png);
    expect(await h.files()).not.toContain(thumbKey(png));
    const url = await thumbUrlOf(id);
    const before = made();
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/webp');
    expect(first.headers.get('etag')).toBe(`"${sha256(png)}"`);
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/);
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(first.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(made()).toBe(before + 1);
    expect(bytes.length).toBeLessThan(png.length);
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(480);
    expect(meta.height).toBe(300);
    expect(await h.files()).toContain(thumbKey(png));
    // Second request: read from storage, no second sharp run.
    const second = await fetch(url);
    expect(second.status).toBe(200);
    expect(Buffer.from(await second.arrayBuffer()).equals(bytes)).toBe(true);
    expect(made()).toBe(before + 1);
    // HEAD answers the headers only.
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
  });

  it('answers 304 to a matching If-None-Match without making anything', async () => {
    const png = await noisePng(300, 200);
    const id = await ready(png);
    const url = await thumbUrlOf(id);
    const before = made();
    const res = await fetch(url, { headers: { 'if-none-match': `"${sha256(png)}"` } });
    expect(res.status).toBe(304);
    expect(made()).toBe(before);
    // A very tall plot is bounded by height too (at most 960 px).
    const tall = await fetch(await thumbUrlOf(await ready(await noisePng(600, 3000))));
    const tallMeta = await sharp(Buffer.from(await tall.arrayBuffer())).metadata();
    expect([tallMeta.width, tallMeta.height]).toEqual([192, 960]);
    // A stale ETag gets the bytes (not enlarged: 300 px stays 300 px).
    const full = await fetch(url, { headers: { 'if-none-match': '"other"' } });
    expect(full.status).toBe(200);
    expect((await sharp(Buffer.from(await full.arrayBuffer())).metadata()).width).toBe(300);
  });

  it('concurrent first requests share one run (single-flight per object)', async () => {
    const png = await noisePng(800, 500);
    const id = await ready(png);
    const url = await thumbUrlOf(id);
    const before = made();
    const all = await Promise.all(Array.from({ length: 6 }, () => fetch(url)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(made()).toBe(before + 1);
  });

  it('refuses an unsigned, forged or borrowed signature', async () => {
    const id = await ready(await noisePng(100, 100));
    const url = new URL(await thumbUrlOf(id));
    const unsigned = await fetch(`${h.url}/thumbs/${id}`);
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { message: string } }).error.message).toMatch(
      /signed query of the plot_url/,
    );
    // A bearer token is not a thumbnail credential either (the gallery's URLs are signed).
    expect(
      (await fetch(`${h.url}/thumbs/${id}`, { headers: { authorization: `Bearer ${h.token}` } }))
        .status,
    ).toBe(401);
    const forged = new URL(url);
    forged.searchParams.set('sig', '0'.repeat(64));
    expect((await fetch(forged)).status).toBe(401);
    // Another snapshot's signature does not open this one.
    const other = await ready(await noisePng(100, 100));
    const moved = new URL(await thumbUrlOf(other));
    moved.pathname = `/thumbs/${id}`;
    expect((await fetch(moved)).status).toBe(401);
  });

  it('an expired link is 403; a pending snapshot or a plot missing from storage is 404', async () => {
    const secret = h.server.context.secret;
    const signed = (id: string, expires: number) =>
      `${h.url}/thumbs/${id}?expires=${expires}&sig=${signDelivery(secret, id, expires)}`;
    const png = await noisePng(120, 80);
    const id = await ready(png);
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = await fetch(signed(id, past));
    expect(await errorOf(expired)).toMatchObject({ status: 403, code: 'token_expired' });
    const future = Math.floor(Date.now() / 1000) + 600;
    // Validly signed, but the snapshot has no plot yet (pending).
    const p = await publish(h, { title: 'pending', artifacts: { plot: true } });
    const pending = await fetch(signed(p.body.snapshot_id, future));
    expect(await errorOf(pending)).toMatchObject({ status: 404, code: 'not_found' });
    // The plot's object vanished from storage (an operator deleted it): 404, nothing stored.
    await h.server.context.storage.delete(objectOf(h.projectId, png));
    const gone = await fetch(signed(id, future));
    expect(await errorOf(gone)).toMatchObject({ status: 404, code: 'not_found' });
    expect((await errorOf(await fetch(signed(id, future)))).message).toMatch(
      /missing from storage/,
    );
    expect(await h.files()).not.toContain(thumbKey(png));
  });

  it('a corrupt PNG gets the typed placeholder, made once, never a 500', async () => {
    const bad = Buffer.concat([PNG, Buffer.from(` corrupt ${++n}`)]);
    const id = await ready(bad);
    const url = await thumbUrlOf(id);
    const before = made();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(480);
    expect(made()).toBe(before + 1);
    // Stored like a thumbnail: the next view does not try to decode again.
    expect((await fetch(url)).status).toBe(200);
    expect(made()).toBe(before + 1);
    expect(await h.files()).toContain(thumbKey(bad));
  });

  it('rasterises an SVG (its script never runs) and bounds its size', async () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="600"><script>alert(${++n})</script><rect width="1200" height="600" fill="#36c"/><circle cx="600" cy="300" r="200" fill="#fc3"/></svg>`,
    );
    const id = await ready(svg, 'image/svg+xml');
    const res = await fetch(await thumbUrlOf(id));
    expect(res.status).toBe(200);
    const img = sharp(Buffer.from(await res.arrayBuffer()));
    const meta = await img.metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 480, 240]);
    // The circle was drawn: the centre is yellow, the corner blue.
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) =>
      [...data.subarray((y * info.width + x) * info.channels)].slice(0, 3);
    expect(px(240, 120)[0]).toBeGreaterThan(200);
    expect(px(2, 2)[2]).toBeGreaterThan(150);
    // An SVG claiming a gigantic canvas is refused by the pixel bound: the placeholder.
    const huge = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/><!-- ${++n} --></svg>`,
    );
    const big = await fetch(await thumbUrlOf(await ready(huge, 'image/svg+xml')));
    expect(big.status).toBe(200);
    expect((await sharp(Buffer.from(await big.arrayBuffer())).metadata()).width).toBe(480);
  });

  it('goes with the last snapshot naming the bytes, not before', async () => {
    const png = await noisePng(400, 250);
    const a = await ready(png);
    const b = await ready(png);
    expect((await fetch(await thumbUrlOf(a))).status).toBe(200);
    expect(await h.files()).toContain(thumbKey(png));
    expect((await h.api('DELETE', `/api/snapshots/${a}`, { token: admin })).status).toBe(200);
    expect(await h.files()).toContain(thumbKey(png));
    // b shares the object and its thumbnail: served from storage.
    const before = made();
    expect((await fetch(await thumbUrlOf(b))).status).toBe(200);
    expect(made()).toBe(before);
    expect((await h.api('DELETE', `/api/snapshots/${b}`, { token: admin })).status).toBe(200);
    expect(await h.files()).not.toContain(thumbKey(png));
  });

  it('the grid and the history strip use thumbnails; the snapshot page keeps the full plot', async () => {
    const older = await ready(await noisePng(640, 400), 'image/png', 'history');
    const id = await ready(await noisePng(640, 400), 'image/png', 'history');
    const signin = await fetch(`${h.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: h.token }).toString(),
    });
    expect(signin.status).toBe(303);
    const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    const grid = await (
      await fetch(`${h.url}/projects/${h.projectId}`, { headers: { cookie } })
    ).text();
    const card = grid.slice(grid.indexOf(`data-id="${id}"`));
    const src = /<img src="([^"]+)"/.exec(card)![1]!.replaceAll('&amp;', '&');
    expect(src).toMatch(new RegExp(`^${h.url}/thumbs/${id}\\?expires=\\d+&sig=[\\w-]+$`));
    const img = await fetch(src, { headers: { cookie } });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/webp');
    const page = await (
      await fetch(`${h.url}/projects/${h.projectId}/snapshots/${id}`, { headers: { cookie } })
    ).text();
    expect(page).toContain(`<div class="plot"><img src="${h.url}/api/snapshots/${id}/plot?`);
    for (const v of [id, older])
      expect(page).toMatch(new RegExp(`class="thumb-mini"><img src="${h.url}/thumbs/${v}\\?`));
  });

  it('`thumbnails backfill` makes the missing ones, once per object, and says how many', async () => {
    // A project of its own, so the counts are exact whatever ran before.
    const projectId = await h.project('proj_backfill');
    const token = await h.tokenFor(projectId, 'publisher');
    const readyIn = async (bytes: Buffer, type = 'image/png') => {
      const p = await publish(h, { project_id: projectId, artifacts: { plot: true } }, {}, token);
      expect((await upload(p.body.upload_urls.plot!, bytes, type)).status).toBe(200);
      const fin = await h.api('POST', '/api/snapshots/finalize', {
        json: { project_id: projectId, snapshot_id: p.body.snapshot_id },
        token,
      });
      expect(fin.status).toBe(200);
    };
    const key = (bytes: Buffer) => `thumbs/${projectId}/${sha256(bytes)}.webp`;
    const pngs = [await noisePng(500, 300), await noisePng(500, 300)];
    const corrupt = Buffer.concat([PNG, Buffer.from(' backfill')]);
    const lost = await noisePng(50, 50);
    for (const b of [...pngs, pngs[0]!, corrupt, lost]) await readyIn(b); // pngs[0] twice: one object
    // A Vega-Lite spec: drawn (red bars), not a placeholder.
    const spec = Buffer.from(
      JSON.stringify({
        data: {
          values: [
            { a: 'x', b: 3 },
            { a: 'y', b: 5 },
          ],
        },
        mark: 'bar',
        encoding: {
          x: { field: 'a', type: 'nominal' },
          y: { field: 'b', type: 'quantitative' },
          color: { value: '#d62728' },
        },
      }),
    );
    await readyIn(spec, 'application/vnd.vegalite.v5+json');
    const redPixels = async () => {
      const { data } = await sharp(await fileOf(key(spec)))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      let red = 0;
      for (let i = 0; i < data.length; i += 3)
        if (data[i]! > 180 && data[i + 1]! < 90 && data[i + 2]! < 90) red++;
      return red;
    };
    await h.server.context.storage.delete(objectOf(projectId, lost));
    for (const b of [...pngs, corrupt]) expect(await h.files()).not.toContain(key(b));
    // Under `pnpm test:s3` the harness's files are in a bucket: the command must look there.
    const onS3 = suiteStorage(h.dataDir)?.url;
    const args = [
      'thumbnails',
      'backfill',
      '--project',
      projectId,
      '--data-dir',
      h.dataDir,
      ...(onS3 ? ['--storage', onS3] : []),
    ];
    const out = JSON.parse(await runServerCli([...args, '--json'], testDatabaseEnv(args)));
    expect(out).toEqual({
      checked: 5,
      made: 4,
      placeholders: 1,
      existing: 0,
      missing: 1,
      deferred: 0,
    });
    for (const b of [...pngs, corrupt, spec]) expect(await h.files()).toContain(key(b));
    const corruptThumb = await fileOf(key(corrupt));
    expect(await redPixels()).toBeGreaterThan(480 * 20);
    expect((await sharp(await fileOf(key(pngs[1]!))).metadata()).width).toBe(480);
    // The running server serves what the command made: no run there.
    const before = made();
    const list = (await (
      await h.api('GET', `/api/projects/${projectId}/snapshots`, { token })
    ).json()) as {
      data: Array<{ id: string; plot_url: string; files: { plot: { sha256: string } } }>;
    };
    expect(list.data).toHaveLength(6);
    for (const s of list.data) {
      const status = (await fetch(thumbnailUrl(s.id, s.plot_url)!)).status;
      expect(status).toBe(s.files.plot.sha256 === sha256(lost) ? 404 : 200);
    }
    expect(made()).toBe(before);
    const again = await runServerCli(args, testDatabaseEnv(args));
    expect(again).toBe(
      'Made 0 thumbnail(s); 4 already there (5 plot(s) checked); 1 plot file(s) missing from storage.\n',
    );
    // --redraw draws the spec again over its stored thumbnail (an older version's placeholder).
    await h.server.context.storage.put(
      key(spec),
      Readable.from([await sharp(corruptThumb).toBuffer()]),
      { maxBytes: 1 << 20 },
    );
    expect(await redPixels()).toBe(0);
    const redrawn = await runServerCli([...args, '--redraw'], testDatabaseEnv(args));
    expect(redrawn).toBe(
      'Made 1 thumbnail(s); 3 already there (5 plot(s) checked); 1 plot file(s) missing from storage.\n',
    );
    expect(await redPixels()).toBeGreaterThan(480 * 20);
    await expect(
      runServerCli(['thumbnails', 'backfill', '--project', 'proj_nope', '--data-dir', h.dataDir]),
    ).rejects.toThrow(/Project proj_nope does not exist/);
  });
});
