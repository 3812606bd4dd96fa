/**
 * Thumbnails of plots that are not images (thumbnails/renderer.ts, render-worker.mjs): a
 * Vega-Lite or Vega spec drawn with vega's headless renderer and a PDF's first page with
 * pdf.js, in worker threads with a time budget; a spec that reaches for a URL or a file is
 * refused (placeholder, and nothing is fetched); Plotly and HTML keep a typed placeholder.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonMode } from '../src/gallery/plot-frame.js';
import { createRenderer } from '../src/thumbnails/renderer.js';
import { thumbnailUrl } from '../src/thumbnails/routes.js';
import { vegaKind } from '../src/thumbnails/vega-kind.mjs';
import { createWorkerPool } from '../src/workers/pool.js';
import { type Harness, publish, startHarness, upload } from './helpers.js';
import { pdfDocument } from './plot-fixtures.js';

let h: Harness;
/** A server that counts requests: a refused loader must never reach it. */
let bait: Server;
let baitUrl: string;
const baitHits: string[] = [];
beforeAll(async () => {
  h = await startHarness();
  bait = createServer((req, res) => {
    baitHits.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify([{ a: 'A', b: 1 }]));
  });
  await new Promise<void>((r) => bait.listen(0, '127.0.0.1', r));
  baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
  await new Promise((r) => bait.close(r));
});

let n = 0;
const VEGA_LITE = (title: string) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title,
  width: 400,
  height: 200,
  data: {
    values: [
      { model: 'baseline', accuracy: 0.71 },
      { model: 'wide', accuracy: 0.78 },
      { model: 'deep', accuracy: 0.83 },
    ],
  },
  mark: 'bar',
  encoding: {
    x: { field: 'model', type: 'nominal' },
    y: { field: 'accuracy', type: 'quantitative' },
    color: { value: '#d62728' },
  },
});

/** A two-page PDF drawn with plain operators: page 1 mostly blue, page 2 green. */
function pdfFile(): Buffer {
  return pdfDocument([
    `0.12 0.47 0.71 rg 0 0 420 300 re f\n1 1 1 rg 20 20 80 80 re f\n0 0 0 rg BT /F1 18 Tf 40 270 Td (page one ${++n}) Tj ET`,
    '0.2 0.6 0.2 rg 0 0 420 300 re f',
  ]);
}

const placeholders = () => h.server.context.thumbnails.stats().placeholders;

/** Publishes a ready plot and fetches its thumbnail: the decoded WebP and its pixels. */
async function thumbOf(bytes: Buffer | string, contentType: string) {
  const p = await publish(h, { title: `drawn ${++n}`, artifacts: { plot: true } });
  expect(p.status).toBe(201);
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  expect((await upload(p.body.upload_urls.plot!, body, contentType)).status).toBe(200);
  const id = p.body.snapshot_id as string;
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: id },
  });
  expect(fin.status).toBe(200);
  const snap = (await (await h.api('GET', `/api/snapshots/${id}`)).json()) as { plot_url: string };
  const before = placeholders();
  const res = await fetch(thumbnailUrl(id, snap.plot_url)!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/webp');
  const webp = Buffer.from(await res.arrayBuffer());
  const img = sharp(webp);
  const meta = await img.metadata();
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3)].slice(0, 3);
  /** How many pixels are clearly of a colour (red dominant, blue dominant…). */
  const count = (test: (r: number, g: number, b: number) => boolean) => {
    let c = 0;
    for (let i = 0; i < data.length; i += 3) if (test(data[i]!, data[i + 1]!, data[i + 2]!)) c++;
    return c;
  };
  return {
    meta,
    px,
    count,
    placeholder: placeholders() > before,
    cache: res.headers.get('cache-control'),
  };
}

describe('drawn thumbnails', () => {
  it('a Vega-Lite spec becomes a 480 px wide WebP of the chart (its red bars), not a placeholder', async () => {
    const t = await thumbOf(
      JSON.stringify(VEGA_LITE('accuracy')),
      'application/vnd.vegalite.v5+json',
    );
    expect(t.placeholder).toBe(false);
    expect([t.meta.format, t.meta.width]).toEqual(['webp', 480]);
    expect(t.meta.height).toBeGreaterThan(200);
    expect(t.meta.height).toBeLessThan(400);
    // The bars (#d62728) cover a good part of the picture; the rest is white.
    const red = t.count((r, g, b) => r > 180 && g < 90 && b < 90);
    expect(red).toBeGreaterThan(480 * 50);
    expect(t.count((r, g, b) => r > 240 && g > 240 && b > 240)).toBeGreaterThan(480 * 50);
    expect(t.cache).toMatch(/immutable/);
  });

  it('plain JSON shaped like Vega-Lite is drawn; a Vega spec too', async () => {
    const plain = await thumbOf(JSON.stringify(VEGA_LITE('plain')), 'application/json');
    expect(plain.placeholder).toBe(false);
    expect(plain.count((r, g, b) => r > 180 && g < 90 && b < 90)).toBeGreaterThan(480 * 50);
    const vega = {
      $schema: 'https://vega.github.io/schema/vega/v5.json',
      width: 300,
      height: 150,
      marks: [
        {
          type: 'rect',
          encode: {
            enter: {
              x: { value: 0 },
              y: { value: 0 },
              width: { value: 300 },
              height: { value: 150 },
              fill: { value: '#1f77b4' },
            },
          },
        },
      ],
    };
    const v = await thumbOf(JSON.stringify(vega), 'application/vnd.vega.v5+json');
    expect(v.placeholder).toBe(false);
    expect(v.meta.width).toBe(480);
    const [r, g, b] = v.px(240, Math.floor(v.meta.height! / 2));
    expect(b!).toBeGreaterThan(150);
    expect(r!).toBeLessThan(80);
    expect(g!).toBeLessThan(160);
  });

  it('a spec that loads data from a URL or a file is refused: placeholder, nothing fetched', async () => {
    const fromUrl = { ...VEGA_LITE('url'), data: { url: `${baitUrl}/data.json` } };
    const a = await thumbOf(JSON.stringify(fromUrl), 'application/vnd.vegalite.v5+json');
    expect(a.placeholder).toBe(true);
    expect(a.meta.width).toBe(480);
    const fromFile = {
      ...VEGA_LITE('file'),
      data: { url: 'file:///etc/passwd', format: { type: 'csv' } },
    };
    expect((await thumbOf(JSON.stringify(fromFile), 'application/json')).placeholder).toBe(true);
    // An image mark pointing at the bait, and a relative URL (resolved against nothing).
    const image = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      data: { values: [{ x: 1, u: `${baitUrl}/pixel.png` }] },
      mark: { type: 'image', width: 50, height: 50 },
      encoding: { x: { field: 'x', type: 'quantitative' }, url: { field: 'u', type: 'nominal' } },
    };
    expect((await thumbOf(JSON.stringify(image), 'application/json')).placeholder).toBe(true);
    const relative = { ...VEGA_LITE('relative'), data: { url: 'data/cars.json' } };
    expect((await thumbOf(JSON.stringify(relative), 'application/json')).placeholder).toBe(true);
    expect(baitHits).toEqual([]);
  });

  it("a PDF's first page becomes the thumbnail (blue page one, not green page two)", async () => {
    const t = await thumbOf(pdfFile(), 'application/pdf');
    expect(t.placeholder).toBe(false);
    expect([t.meta.format, t.meta.width, t.meta.height]).toEqual(['webp', 480, 343]);
    const [r, g, b] = t.px(400, 200);
    expect([r! < 80, g! > 90 && g! < 150, b! > 150]).toEqual([true, true, true]);
    // The white square near the bottom left corner (PDF y up: 20..100 of 300).
    expect(t.px(70, 300).every((c) => c > 230)).toBe(true);
    expect(t.count((r, g, b) => g > 130 && r < 90 && b < 90)).toBe(0);
  });

  it('a spec over 16 MiB (huge inline data) is not drawn: placeholder', async () => {
    const rows = Array.from({ length: 420_000 }, (_, i) => ({ model: `m${i}`, accuracy: i / 7 }));
    const huge = JSON.stringify({ ...VEGA_LITE('huge'), data: { values: rows } });
    expect(huge.length).toBeGreaterThan(16 * 1024 * 1024);
    const runs = h.server.context.thumbnails.renderStats().runs;
    const t = await thumbOf(huge, 'application/vnd.vegalite.v5+json');
    expect(t.placeholder).toBe(true);
    // Refused before any thread saw it.
    expect(h.server.context.thumbnails.renderStats().runs).toBe(runs);
  });

  it('a broken PDF or spec, Plotly and HTML get typed placeholders, never a 500', async () => {
    for (const [bytes, type] of [
      ['%PDF-1.4\n% nothing here\n%%EOF\n', 'application/pdf'],
      ['{"mark": "bar", "encoding": {"x": {"field": 1, "type": "nope"}}}', 'application/json'],
      ['{"mark": ', 'application/vnd.vegalite.v5+json'],
      ['{"data": [{"type": "scatter", "y": [1, 3, 2]}]}', 'application/vnd.plotly.v1+json'],
      ['<!doctype html><p>a Bokeh export</p>', 'text/html'],
    ] as const) {
      const t = await thumbOf(`${bytes}${' '.repeat(++n % 7)}`, type);
      expect(t.placeholder, type).toBe(true);
      expect(t.meta.width).toBe(480);
    }
  });
});

describe('when the drawing threads cannot run', () => {
  it('the placeholder is answered but neither stored nor cached: a later view tries again', async () => {
    // A closed thumbnailer's threads answer "closed": the state of a server shutting down.
    await h.server.context.thumbnails.close();
    const thumbs = async () => (await h.files()).filter((f) => f.startsWith('thumbs/')).length;
    const stored = await thumbs();
    const t = await thumbOf(JSON.stringify(VEGA_LITE('later')), 'application/json');
    expect(t.placeholder).toBe(true);
    expect(t.cache).toBe('no-store');
    expect(t.meta.width).toBe(480);
    expect(await thumbs()).toBe(stored);
  });
});

describe('the render threads', () => {
  it('stop a spec over its time budget (the thread is terminated) and keep working after', async () => {
    // Room for a small chart on a fresh thread on a loaded machine; far less than the slow one.
    const renderer = createRenderer({ timeoutMs: 3000 });
    try {
      // A tiny spec that costs ~20 s: a density estimate of 200,000 rows at 2,000 points
      // (each point sums over every row), with little memory (so it is the clock that stops it).
      const slow = {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        data: { sequence: { start: 0, stop: 200_000, as: 'v' } },
        transform: [{ density: 'v', steps: 2000 }],
        mark: 'line',
        encoding: {
          x: { field: 'value', type: 'quantitative' },
          y: { field: 'density', type: 'quantitative' },
        },
      };
      const size = { width: 480, maxPixels: 16384 * 16384 };
      const r = await renderer.render(
        'spec',
        'application/json',
        Buffer.from(JSON.stringify(slow)),
        size,
      );
      expect(r).toEqual({ type: 'none', reason: 'took too long to draw' });
      expect(renderer.stats().timeouts).toBe(1);
      const ok = await renderer.render(
        'spec',
        'application/json',
        Buffer.from(JSON.stringify(VEGA_LITE('after'))),
        size,
      );
      expect(ok).toMatchObject({ type: 'svg' });
    } finally {
      await renderer.close();
    }
  });

  it('say why a spec was refused: its loader was asked for a URL or file', async () => {
    const renderer = createRenderer({});
    try {
      const size = { width: 480, maxPixels: 1e8 };
      for (const url of [`${baitUrl}/d.json`, 'file:///etc/passwd', 'data/cars.json']) {
        const spec = { ...VEGA_LITE('why'), data: { url } };
        const r = await renderer.render(
          'spec',
          'application/json',
          Buffer.from(JSON.stringify(spec)),
          size,
        );
        expect(r, url).toEqual({ type: 'none', reason: 'loads data from a URL: no preview' });
      }
      expect(baitHits).toEqual([]);
    } finally {
      await renderer.close();
    }
  });

  it('run with an empty environment: a pool given env {} shows its threads no server secret', async () => {
    process.env.SNAPSHOTPLOT_TEST_SECRET_PROBE = 'not for threads';
    const code = `import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => parentPort.postMessage({ type: 'done', value: Object.keys(process.env) }));
parentPort.postMessage({ type: 'ready' });`;
    const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(code)}`);
    const o = { threads: 1, maxQueue: 1, timeoutMs: 5000, maxHeapMb: 64, workerUrl };
    const bare = createWorkerPool<null, string[]>({ ...o, env: {} });
    const shared = createWorkerPool<null, string[]>(o);
    try {
      expect(await bare.run(null)).toEqual({ status: 'ok', value: [] });
      const seen = await shared.run(null);
      expect(seen.status === 'ok' && seen.value).toContain('SNAPSHOTPLOT_TEST_SECRET_PROBE');
    } finally {
      delete process.env.SNAPSHOTPLOT_TEST_SECRET_PROBE;
      await Promise.all([bare.close(), shared.close()]);
    }
  });

  it('pick Vega and Vega-Lite by the same rules as the gallery frame', () => {
    const cases: Array<[string, unknown]> = [
      ['application/json', VEGA_LITE('x')],
      ['application/json', { marks: [] }],
      ['application/json', { $schema: 'https://vega.github.io/schema/vega/v5.json' }],
      ['application/json', { layer: [] }],
      ['application/json', { data: [{ type: 'scatter', y: [1] }] }],
      ['application/json', { rows: [1, 2] }],
      ['application/json', [1, 2]],
      ['application/vnd.vega.v5+json', {}],
      ['application/vnd.vegalite.v5+json', {}],
    ];
    for (const [type, spec] of cases) {
      const frame = jsonMode(type, spec);
      expect(vegaKind(type, spec) ?? 'other', JSON.stringify(spec)).toBe(
        frame === 'vega' || frame === 'vega-lite' ? frame : 'other',
      );
    }
  });
});
