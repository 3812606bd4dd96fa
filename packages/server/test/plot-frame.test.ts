// The plot frame over real HTTP: which JSON is drawn how, the frame document's signature
// (plot_url's own), its CSP, what it inlines, the served libraries, and --usercontent-url.
import type { Snapshot } from '@snapshotplot/api-client/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { jsonMode } from '../src/gallery/plot-frame.js';
import { type Harness, PNG, publish, startHarness, upload } from './helpers.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const USERCONTENT = 'http://plots.example.test:8443';
let clock = Date.now();

let h: Harness;
let other: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock) });
  other = await startHarness({ config: { usercontentUrl: USERCONTENT } });
});
afterAll(async () => {
  await h?.close();
  await other?.close();
});

async function publishPlot(hh: Harness, title: string, bytes: Buffer | string, type: string) {
  const pub = await publish(hh, { title, artifacts: { plot: true, code: false } });
  expect(pub.status).toBe(201);
  const up = await upload(pub.body.upload_urls.plot!, Buffer.from(bytes), type);
  expect(up.status).toBe(200);
  const fin = await hh.api('POST', '/api/snapshots/finalize', {
    json: { project_id: hh.projectId, snapshot_id: pub.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  const got = await hh.api('GET', `/api/snapshots/${pub.body.snapshot_id}`);
  return (await got.json()) as Snapshot;
}

/** The frame URL for a snapshot on this server: plot_url's signed query on /plot-frame/. */
function frameUrl(hh: Harness, s: Snapshot) {
  const q = new URL(s.plot_url!).search;
  return `${hh.url}/plot-frame/${s.id}${q}`;
}

async function session(hh: Harness) {
  const token = await hh.tokenFor(hh.projectId, 'reader');
  const res = await fetch(`${hh.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: FORM,
    body: new URLSearchParams({ token }).toString(),
  });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('--usercontent-url', () => {
  it('takes an http(s) URL from the flag or the variable, and names the setting when bad', () => {
    expect(resolveConfig({}, {}).usercontentUrl).toBeUndefined();
    expect(resolveConfig({ usercontentUrl: USERCONTENT }, {}).usercontentUrl).toBe(USERCONTENT);
    expect(resolveConfig({}, { SNAPSHOTPLOT_USERCONTENT_URL: USERCONTENT }).usercontentUrl).toBe(
      USERCONTENT,
    );
    expect(() => resolveConfig({ usercontentUrl: 'ftp://plots' }, {})).toThrow(
      /--usercontent-url.*http\(s\) URL of another origin/s,
    );
  });
});

describe('jsonMode', () => {
  it('goes by the declared type first, then by the shape', () => {
    expect(jsonMode('application/vnd.plotly.v1+json', {})).toBe('plotly');
    expect(jsonMode('application/vnd.vega.v5+json', { mark: 'bar' })).toBe('vega');
    expect(jsonMode('application/vnd.vegalite.v5+json', {})).toBe('vega-lite');
    const vl = 'https://vega.github.io/schema/vega-lite/v5.json';
    expect(jsonMode('application/json', { $schema: vl, data: [] })).toBe('vega-lite');
    expect(
      jsonMode('application/json', { $schema: 'https://vega.github.io/schema/vega/v5.json' }),
    ).toBe('vega');
    expect(jsonMode('application/json', { mark: 'point', encoding: {} })).toBe('vega-lite');
    expect(jsonMode('application/json', { marks: [], data: [{ name: 't' }] })).toBe('vega');
    expect(jsonMode('application/json', { data: [{ x: [1], y: [2] }], layout: {} })).toBe('plotly');
    expect(jsonMode('application/json', { data: [{ type: 'pie', values: [1] }] })).toBe('plotly');
    // Not a figure: data that is not traces, a layout that is not an object, other JSON.
    expect(jsonMode('application/json', { data: [1, 2, 3] })).toBe('json');
    expect(jsonMode('application/json', { data: [{ x: [1] }], layout: 'wide' })).toBe('json');
    expect(jsonMode('application/json', { data: [{ name: 'table' }] })).toBe('json');
    expect(jsonMode('application/json', [1, 2])).toBe('json');
    expect(jsonMode('application/json', 'text')).toBe('json');
  });
});

describe('GET /plot-frame/{id}', () => {
  it('answers a spec page under its own sandboxing CSP, with the spec inlined safely', async () => {
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      description: '</script><script>alert(1)</script>',
      data: { values: [{ a: 1 }] },
      mark: 'bar',
    };
    const s = await publishPlot(h, 'vl', JSON.stringify(spec), 'application/json');
    const res = await fetch(frameUrl(h, s));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^sandbox allow-scripts; default-src 'none'; script-src 'self';/);
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain(`frame-ancestors ${new URL(h.url).origin}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await res.text();
    expect(body).toContain('data-mode="vega-lite"');
    expect(body).toContain('<script src="/plot-frame/lib/vega-lite.min.js"></script>');
    expect(body).not.toContain('</script><script>alert(1)');
    expect(body).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
    // What the page inlines parses back to the stored spec.
    const block = /<script type="application\/json" id="plot-spec">(.*?)<\/script>/s.exec(body)!;
    expect(JSON.parse(block[1]!)).toEqual(spec);
  });

  it('answers an HTML plot as it is, allowing its inline script but no fetch', async () => {
    const page = '<!doctype html><p id="x">hello</p><script>x.textContent="drawn"</script>';
    const s = await publishPlot(h, 'html', page, 'text/html');
    const res = await fetch(frameUrl(h, s));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(page);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'unsafe-inline' 'unsafe-eval' blob: data:");
    expect(csp).not.toContain("'self'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toMatch(/^sandbox allow-scripts;/);
    // The delivery URL itself still hands HTML out only as an attachment.
    const raw = await fetch(s.plot_url!);
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment/);
  });

  it('inlines a PDF as base64 for pdf.js', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% not really drawn here\n%%EOF\n');
    const s = await publishPlot(h, 'pdf', pdf, 'application/pdf');
    const body = await (await fetch(frameUrl(h, s))).text();
    expect(body).toContain('data-mode="pdf"');
    expect(body).toContain('<script type="module" src="/plot-frame/lib/frame-pdf.mjs"></script>');
    expect(body).toContain(JSON.stringify({ base64: pdf.toString('base64') }));
  });

  it('shows plain JSON that is no figure as text, and says so when it is not JSON', async () => {
    const s = await publishPlot(h, 'json', '{"rows": [1, 2]}', 'application/json');
    expect(await (await fetch(frameUrl(h, s))).text()).toContain('data-mode="json"');
    const bad = await publishPlot(h, 'bad-json', '{"rows": [1, 2', 'application/json');
    const res = await fetch(frameUrl(h, bad));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(await res.text()).toContain('This plot is not valid JSON');
  });

  it('refuses a missing, tampered or expired signature, and image plots', async () => {
    const s = await publishPlot(h, 'sig', '{"data": [{"y": [1]}]}', 'application/json');
    const url = new URL(frameUrl(h, s));
    const bare = await fetch(`${h.url}/plot-frame/${s.id}`);
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('This frame URL is incomplete');
    const tampered = new URL(url);
    tampered.searchParams.set('sig', `${url.searchParams.get('sig')!.slice(0, -2)}AA`);
    const t = await fetch(tampered);
    expect(t.status).toBe(401);
    expect(await t.text()).toContain('not valid');
    // Another snapshot's signature does not open this one.
    const png = await publishPlot(h, 'png', PNG, 'image/png');
    const swapped = new URL(frameUrl(h, png).replace(png.id, s.id));
    expect((await fetch(swapped)).status).toBe(401);
    // An image plot is not framed.
    const img = await fetch(frameUrl(h, png));
    expect(img.status).toBe(415);
    expect(await img.text()).toContain('shown as an image');
    // Past plot_url's expiry the frame URL is dead too.
    const saved = clock;
    clock = Number(url.searchParams.get('expires')) * 1000 + 1000;
    try {
      const e = await fetch(url);
      expect(e.status).toBe(403);
      expect(await e.text()).toContain('expired');
    } finally {
      clock = saved;
    }
  });
});

describe('GET /plot-frame/lib/{name}', () => {
  it('serves the installed libraries to opaque-origin frames, and nothing else', async () => {
    for (const name of [
      'vega.min.js',
      'vega-lite.min.js',
      'vega-embed.min.js',
      'plotly.min.js',
      'pdf.min.mjs',
      'pdf.worker.min.mjs',
      'frame.js',
      'frame-pdf.mjs',
    ]) {
      const res = await fetch(`${h.url}/plot-frame/lib/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    const missing = await fetch(`${h.url}/plot-frame/lib/package.json`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${h.url}/plot-frame/lib/..%2Fpackage.json`)).status).toBe(404);
  });
});

describe('the snapshot page', () => {
  it('frames a live plot from the public URL, and lets only that origin be framed', async () => {
    const s = await publishPlot(h, 'page', '{"data": [{"y": [1, 2]}]}', 'application/json');
    const res = await fetch(`${h.url}/projects/${h.projectId}/snapshots/${s.id}`, {
      headers: { cookie: await session(h) },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    const src = /<iframe class="plot-frame" sandbox="allow-scripts" src="([^"]+)"/.exec(body)![1]!;
    expect(src.replace(/&amp;/g, '&')).toBe(frameUrl(h, s));
    expect(res.headers.get('content-security-policy')).toContain(
      `frame-src ${new URL(h.url).origin}`,
    );
    // An image plot's page, and other pages, still frame nothing.
    const png = await publishPlot(h, 'page-png', PNG, 'image/png');
    const pngPage = await fetch(`${h.url}/projects/${h.projectId}/snapshots/${png.id}`, {
      headers: { cookie: await session(h) },
    });
    expect(pngPage.headers.get('content-security-policy')).toContain("frame-src 'none'");
    expect(await pngPage.text()).not.toContain('<iframe');
    const grid = await fetch(`${h.url}/projects/${h.projectId}`, {
      headers: { cookie: await session(h) },
    });
    expect(grid.headers.get('content-security-policy')).toContain("frame-src 'none'");
  });

  it('frames it from --usercontent-url when set', async () => {
    const s = await publishPlot(other, 'uc', '{"mark": "bar"}', 'application/vnd.vegalite.v5+json');
    const res = await fetch(`${other.url}/projects/${other.projectId}/snapshots/${s.id}`, {
      headers: { cookie: await session(other) },
    });
    const body = await res.text();
    const src = /<iframe class="plot-frame" sandbox="allow-scripts" src="([^"]+)"/.exec(body)![1]!;
    expect(src.startsWith(`${USERCONTENT}/plot-frame/${s.id}?expires=`)).toBe(true);
    expect(res.headers.get('content-security-policy')).toContain(`frame-src ${USERCONTENT}`);
    expect(res.headers.get('content-security-policy')).not.toContain(
      `frame-src ${new URL(other.url).origin}`,
    );
  });
});
