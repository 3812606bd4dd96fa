import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SnapshotplotClient } from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, root, shots } from './browser.js';
import { type Harness, startHarness } from './helpers.js';
import { pdfDocument } from './plot-fixtures.js';

const VEGA_LITE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  description: 'Validation accuracy by model',
  width: 520,
  height: 300,
  // SVG so the test can point at a bar; the gallery's default is vega-embed's canvas.
  usermeta: { embedOptions: { renderer: 'svg' } },
  data: {
    values: [
      { model: 'baseline', accuracy: 0.71 },
      { model: 'wide', accuracy: 0.78 },
      { model: 'deep', accuracy: 0.83 },
      { model: 'deep+aug', accuracy: 0.87 },
    ],
  },
  mark: { type: 'bar', tooltip: true },
  encoding: {
    x: { field: 'model', type: 'nominal', sort: null },
    y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] } },
    color: { field: 'model', type: 'nominal', legend: null },
  },
};

// A Plotly figure as plotly.py's fig.to_json() writes it: {data, layout}, no declared type.
const PLOTLY = {
  data: [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'train',
      x: [1, 2, 3, 4, 5, 6, 7, 8],
      y: [2.3, 1.7, 1.31, 1.05, 0.88, 0.77, 0.7, 0.66],
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'validation',
      x: [1, 2, 3, 4, 5, 6, 7, 8],
      y: [2.35, 1.82, 1.49, 1.3, 1.21, 1.17, 1.16, 1.18],
    },
  ],
  layout: {
    title: { text: 'Loss per epoch' },
    xaxis: { title: { text: 'epoch' } },
    yaxis: { title: { text: 'loss' } },
    hovermode: 'closest',
  },
};

// What Bokeh's file_html(..., resources=INLINE) gives, in miniature: a self-contained page
// whose inline script draws a canvas and shows a hover tooltip (div.bk-tooltip).
const BOKEH_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Bokeh Plot</title>
<style>body{margin:0;font:13px sans-serif}.bk-root{position:relative;width:600px;height:360px}
.bk-tooltip{position:absolute;display:none;background:#fff;border:1px solid #e5e7eb;padding:4px 8px;box-shadow:0 2px 6px #0003;pointer-events:none}</style>
</head><body>
<div class="bk-root" id="bk-plot"><canvas width="600" height="360"></canvas><div class="bk-tooltip"></div></div>
<script type="text/javascript">
(function () {
  var pts = [];
  for (var i = 0; i < 40; i++) pts.push({ x: 30 + i * 13.5, y: 180 + Math.sin(i / 4) * 120, v: Math.sin(i / 4).toFixed(3) });
  var root = document.getElementById('bk-plot');
  var c = root.querySelector('canvas'), g = c.getContext('2d'), tip = root.querySelector('.bk-tooltip');
  g.fillStyle = '#fff'; g.fillRect(0, 0, 600, 360);
  g.strokeStyle = '#e5e7eb'; for (var k = 0; k < 600; k += 60) { g.beginPath(); g.moveTo(k, 0); g.lineTo(k, 360); g.stroke(); }
  pts.forEach(function (p) { g.beginPath(); g.arc(p.x, p.y, 6, 0, 7); g.fillStyle = '#1f77b4'; g.globalAlpha = .8; g.fill(); });
  c.addEventListener('mousemove', function (e) {
    var r = c.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top, hit = null;
    pts.forEach(function (p) { if (Math.hypot(p.x - mx, p.y - my) < 9) hit = p; });
    tip.style.display = hit ? 'block' : 'none';
    if (hit) { tip.textContent = 'index: ' + pts.indexOf(hit) + ', value: ' + hit.v; tip.style.left = (hit.x + 10) + 'px'; tip.style.top = (hit.y - 30) + 'px'; }
  });
  root.setAttribute('data-points', JSON.stringify(pts.map(function (p) { return [p.x, p.y]; })));
})();
</script></body></html>`;

/** A one-page PDF (two pages, in fact: the caption must say so) drawn with plain operators. */
function pdfFile(): Buffer {
  return pdfDocument([
    '0.95 0.95 0.97 rg 0 0 420 300 re f\n0.12 0.47 0.71 rg 40 40 60 120 re f 120 40 60 180 re f 200 40 60 90 re f\n0.84 0.15 0.16 rg 280 40 60 210 re f\n0 0 0 rg BT /F1 18 Tf 40 270 Td (Loss by model) Tj ET',
    '0.2 0.6 0.2 rg 0 0 420 300 re f',
  ]);
}

/** A library's file from the server's installed package (what an export inlines). */
const lib = (pkg: string, file: string) =>
  readFile(join(root, 'packages/server/node_modules', pkg, file), 'utf8');
const inline = (code: string) => `<script type="text/javascript">${code}</script>`;

/** plotly.py's fig.write_html() shape: plotly.js inlined, then Plotly.newPlot on a div. */
async function plotlyHtml() {
  const plotly = await lib('plotly.js-dist-min', 'plotly.min.js');
  return `<html><head><meta charset="utf-8" /></head><body><div>
${inline('window.PlotlyConfig = {MathJaxConfig: "local"};')}
${inline(plotly)}
<div id="fig-1" class="plotly-graph-div" style="height:480px; width:100%;"></div>
${inline(`window.PLOTLYENV=window.PLOTLYENV || {}; if (document.getElementById("fig-1")) { Plotly.newPlot("fig-1", ${JSON.stringify(PLOTLY.data)}, ${JSON.stringify(PLOTLY.layout)}, {"responsive": true}) };`)}
</div></body></html>`;
}

/** Altair's chart.save(..., inline=True) shape: vega, vega-lite, vega-embed inlined. */
async function altairHtml() {
  const [vega, vl, embed] = await Promise.all([
    lib('vega', 'build/vega.min.js'),
    lib('vega-lite', 'build/vega-lite.min.js'),
    lib('vega-embed', 'build/vega-embed.min.js'),
  ]);
  return `<!DOCTYPE html><html><head><style>#vis.vega-embed { width: 100%; }</style>
${inline(vega)}${inline(vl)}${inline(embed)}</head><body><div id="vis"></div>
${inline(`(function(vegaEmbed) { var spec = ${JSON.stringify({ ...VEGA_LITE, usermeta: undefined })}; var embedOpt = {"renderer": "svg", "mode": "vega-lite"}; vegaEmbed("#vis", spec, embedOpt).catch(function (e) { document.body.textContent = String(e); }); })(vegaEmbed);`)}
</body></html>`;
}

/** A plot that tries everything a plot must not be able to do, and reports what happened. */
const hostileHtml = (galleryUrl: string, projectId: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>hostile</title></head><body><p>innocent plot</p>
<script>
(async function () {
  var r = {};
  function err(e) { return 'error:' + (e && e.name); }
  try { r.cookie = 'read:' + document.cookie; } catch (e) { r.cookie = err(e); }
  try { r.parentDom = 'read:' + parent.document.title; } catch (e) { r.parentDom = err(e); }
  try { r.topCookie = 'read:' + top.document.cookie; } catch (e) { r.topCookie = err(e); }
  try { r.storage = 'read:' + localStorage.length; } catch (e) { r.storage = err(e); }
  for (var u of ['/api/projects/${projectId}/snapshots', '${galleryUrl}/api/projects/${projectId}/snapshots']) {
    try {
      var res = await fetch(u, { credentials: 'include' });
      r['api ' + u] = 'status:' + res.status + ':' + (await res.text()).slice(0, 100);
    } catch (e) { r['api ' + u] = err(e); }
  }
  try { top.location.href = '${galleryUrl}/navigated-by-plot'; r.navigate = 'no error'; } catch (e) { r.navigate = err(e); }
  try { var w = window.open('${galleryUrl}/popup-by-plot'); r.popup = w ? 'opened' : 'null'; } catch (e) { r.popup = err(e); }
  try { r.origin = String(self.origin); } catch (e) { r.origin = err(e); }
  parent.postMessage({ hostile: r }, '*');
})();
</script></body></html>`;

let h: Harness;
let browser: Browser;
let page: Page;
let client: SnapshotplotClient;
let work: string;
const ids: Record<string, string> = {};
const cspErrors: string[] = [];
const messages: unknown[] = [];

async function publish(title: string, file: string, body: string | Buffer) {
  const path = join(work, file);
  await writeFile(path, body);
  const { snapshot } = await publishSnapshot(client, {
    metadata: {
      project_id: h.projectId,
      collection: 'interactive',
      title,
      author: 'Grace Hopper',
      description: `${title}, drawn live in a sandboxed frame`,
      tags: ['demo'],
      repo_owner: 'snapshotplot',
      repo_name: 'demo',
      commit_sha: '3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a31',
      branch: 'main',
    },
    plot: path,
  });
  return snapshot.id;
}

/** Opens a snapshot page and returns its plot frame once the plot says it is drawn. */
async function openPlot(id: string, ready = true): Promise<Frame> {
  await page.goto(`${h.url}/projects/${h.projectId}/snapshots/${id}`);
  const handle = await page.waitForSelector('iframe.plot-frame');
  expect(await handle.getAttribute('sandbox')).toBe('allow-scripts');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the plot frame has no document');
  await frame.waitForLoadState('load');
  if (ready) await frame.waitForSelector('body[data-state=ready]', { timeout: 20_000 });
  return frame;
}

const shot = (name: string) => page.screenshot({ path: join(shots, name), fullPage: true });

beforeAll(async () => {
  await requireChromium();
  work = await mkdtemp(join(tmpdir(), 'sp-plots-'));
  h = await startHarness();
  client = createClient({ baseUrl: h.url, token: h.token });
  ids.vl = await publish('accuracy-by-model', 'accuracy.vl.json', JSON.stringify(VEGA_LITE));
  ids.plotly = await publish('loss-per-epoch', 'loss.json', JSON.stringify(PLOTLY));
  ids.bokeh = await publish('bokeh-scatter', 'scatter.html', BOKEH_HTML);
  ids.pdf = await publish('loss-by-model-pdf', 'report.pdf', pdfFile());
  ids.plotlyHtml = await publish('plotly-export', 'plotly.html', await plotlyHtml());
  ids.altairHtml = await publish('altair-export', 'altair.html', await altairHtml());
  ids.hostile = await publish('hostile-html', 'hostile.html', hostileHtml(h.url, h.projectId));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  // Messages the frames post to the gallery window, read on the gallery side.
  await page.exposeFunction('__plotMessage', (data: unknown) => void messages.push(data));
  await context.addInitScript(() => {
    if (window === window.top) {
      window.addEventListener('message', (e) => {
        (window as unknown as { __plotMessage(d: unknown): void }).__plotMessage(e.data);
      });
    }
  });
  // Sign in as a reader, and give the gallery a cookie its own script can read.
  const reader = await h.tokenFor(h.projectId, 'reader');
  await page.goto(`${h.url}/projects/${h.projectId}`);
  await page.fill('#token', reader);
  await page.click('button[type=submit]');
  await page.waitForURL(`${h.url}/projects/${h.projectId}`);
  await context.addCookies([{ name: 'visible', value: 'gallery-secret', url: h.url }]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('interactive plots in Chromium', () => {
  it('shows these plots in the grid as thumbnails with a kind badge, never framed', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    expect(await page.locator('.grid .card').count()).toBe(7);
    expect(await page.locator('.grid iframe').count()).toBe(0);
    expect(await page.locator('.grid .tile').count()).toBe(0);
    expect(await page.locator('.grid .card .thumb img').count()).toBe(7);
    const badge = (id: string | undefined) =>
      page.locator(`.card[data-id="${id}"] .kind-badge`).textContent();
    expect(await badge(ids.pdf)).toBe('PDF');
    expect(await badge(ids.bokeh)).toBe('HTML · interactive');
  });

  it('draws a Vega-Lite spec with vega-embed, with a tooltip on hover', async () => {
    const frame = await openPlot(ids.vl);
    expect(await frame.locator('body').getAttribute('data-mode')).toBe('vega-lite');
    const bars = frame.locator('.mark-rect path');
    expect(await bars.count()).toBe(4);
    await bars.nth(2).hover();
    const tip = frame.locator('#vg-tooltip-element.visible');
    await tip.waitFor();
    expect(await tip.textContent()).toContain('deep');
    // The frame fits the drawing (its own report), not the 560 px it starts at.
    await expect
      .poll(async () => (await page.locator('iframe.plot-frame').boundingBox())!.height)
      .toBeLessThan(450);
    expect(await tip.textContent()).toContain('0.83');
    await shot('plot-vega-lite.png');
  });

  it('draws a Plotly figure found by its shape in plain JSON, with hover text', async () => {
    const frame = await openPlot(ids.plotly);
    expect(await frame.locator('body').getAttribute('data-mode')).toBe('plotly');
    expect(await frame.locator('svg.main-svg').count()).toBeGreaterThan(0);
    const points = frame.locator('.scatterlayer .trace:first-child .point');
    expect(await points.count()).toBe(8);
    const box = (await points.nth(3).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = frame.locator('.hoverlayer .hovertext');
    await hover.first().waitFor();
    // Epoch 4 of one of the two traces (train 1.05, validation 1.3), by where the mouse is.
    expect(await hover.first().textContent()).toMatch(/\(4, 1\.(05|3)\)/);
    await shot('plot-plotly.png');
  });

  it('shows a Bokeh-style HTML export as it is, with its own hover tooltip', async () => {
    const frame = await openPlot(ids.bokeh, false);
    await frame.waitForSelector('#bk-plot[data-points]');
    const points = JSON.parse((await frame.getAttribute('#bk-plot', 'data-points'))!) as number[][];
    const canvas = (await frame.locator('#bk-plot canvas').boundingBox())!;
    const [x, y] = points[10]!;
    await page.mouse.move(canvas.x + x!, canvas.y + y!);
    const tip = frame.locator('.bk-tooltip');
    await tip.waitFor({ state: 'visible' });
    expect(await tip.textContent()).toContain('index: 10');
    await shot('plot-html.png');
  });

  it('shows Plotly and Altair HTML exports (libraries inlined) as they are, hover included', async () => {
    const plotly = await openPlot(ids.plotlyHtml, false);
    const points = plotly.locator('.scatterlayer .trace:first-child .point');
    await points.first().waitFor({ timeout: 20_000 });
    const box = (await points.nth(5).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await plotly.locator('.hoverlayer .hovertext').first().waitFor();
    expect(await plotly.locator('.hoverlayer .hovertext').first().textContent()).toMatch(/\(6, /);
    const altair = await openPlot(ids.altairHtml, false);
    const bars = altair.locator('#vis .mark-rect path');
    await bars.first().waitFor({ timeout: 20_000 });
    expect(await bars.count()).toBe(4);
    await bars.nth(1).hover();
    await altair.locator('#vg-tooltip-element.visible').waitFor();
    expect(await altair.textContent('#vg-tooltip-element')).toContain('wide');
  });

  it("draws a PDF's first page with pdf.js and links the full file", async () => {
    const frame = await openPlot(ids.pdf);
    const stats = await frame.$eval('#plot canvas', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let blue = 0;
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0 && (data[i]! < 240 || data[i + 1]! < 240)) inked++;
        if (data[i]! < 60 && data[i + 2]! > 150) blue++;
      }
      return { w: canvas.width, h: canvas.height, inked, blue };
    });
    expect(stats.w).toBeGreaterThan(300);
    expect(stats.blue).toBeGreaterThan(1000); // the bars of page 1, not page 2's green
    expect(await frame.textContent('#pdf-note')).toContain('Page 1 of 2');
    const link = page.locator('.live-plot a.full-file');
    expect(await link.textContent()).toBe('Download the full PDF');
    const href = (await link.getAttribute('href'))!;
    const res = await fetch(href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    await shot('plot-pdf.png');
  });

  it('keeps a hostile HTML plot away from the cookie, the API, the top window and popups', async () => {
    messages.length = 0;
    const gallery = `${h.url}/projects/${h.projectId}/snapshots/${ids.hostile}`;
    // The gallery's own script can read this cookie; the plot must not.
    await page.goto(gallery);
    expect(await page.evaluate(() => document.cookie)).toContain('visible=gallery-secret');
    let popups = 0;
    page.context().on('page', () => popups++);
    await openPlot(ids.hostile, false);
    await expect.poll(() => messages.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const r = (messages[0] as { hostile: Record<string, string> }).hostile;
    expect(r.cookie).toBe('error:SecurityError');
    expect(r.parentDom).toBe('error:SecurityError');
    expect(r.topCookie).toBe('error:SecurityError');
    expect(r.storage).toBe('error:SecurityError');
    expect(r.origin).toBe('null');
    for (const [k, v] of Object.entries(r).filter(([k]) => k.startsWith('api '))) {
      // Refused before any request (connect-src 'none'): no status, no data.
      expect(v, k).toBe('error:TypeError');
    }
    expect(r.navigate).toBe('error:SecurityError');
    expect(r.popup).toBe('null');
    // Seen from the gallery: still on the same page, and no other page was opened.
    expect(page.url()).toBe(gallery);
    expect(popups).toBe(0);
    expect(page.context().pages()).toHaveLength(1);
    // The same document opened directly is sandboxed by its own CSP.
    const src = (await page.getAttribute('iframe.plot-frame', 'src'))!;
    const res = await fetch(src);
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox allow-scripts;/);
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'none'");
  });

  it('ran without CSP violations outside the hostile plot', () => {
    // The hostile plot's refused fetches report as CSP errors; everything else must be clean.
    const others = cspErrors.filter((e) => !/\/api\/projects\/[^/]+\/snapshots\b/.test(e));
    expect(others).toEqual([]);
  });
});
