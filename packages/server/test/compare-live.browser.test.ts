/**
 * The compare page draws interactive plots live, side by side, in the snapshot page's sandboxed
 * frame (gallery/plot-frame.ts); the history strip shows each version's thumbnail, drawn by the
 * server for Vega-Lite (thumbnails/renderer.ts). In Debian's Chromium.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, shots } from './browser.js';
import { type Harness, PNG, publish, startHarness, upload } from './helpers.js';
import { pdfFile, vegaLiteChart } from './plot-fixtures.js';

let h: Harness;
let browser: Browser;
let page: Page;
const ids: string[] = [];

async function ready(
  spec: unknown,
  sha: string,
  o: { title?: string; type?: string; bytes?: Buffer } = {},
) {
  const p = await publish(h, {
    title: o.title ?? 'accuracy-by-model',
    collection: 'interactive',
    commit_sha: sha,
    branch: 'main',
    artifacts: { plot: true },
  });
  expect(p.status).toBe(201);
  const body = o.bytes ?? Buffer.from(JSON.stringify(spec));
  const type = o.type ?? 'application/vnd.vegalite.v5+json';
  const put = await upload(p.body.upload_urls.plot!, body, type);
  expect(put.status).toBe(200);
  const id = p.body.snapshot_id as string;
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: id },
  });
  expect(fin.status).toBe(200);
  return id;
}

beforeAll(async () => {
  await requireChromium();
  h = await startHarness();
  ids.push(await ready(vegaLiteChart(['baseline', 'wide', 'deep']), 'a'.repeat(40)));
  ids.push(await ready(vegaLiteChart(['baseline', 'wide', 'deep', 'deep+aug']), 'b'.repeat(40)));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const reader = await h.tokenFor(h.projectId, 'reader');
  await page.goto(`${h.url}/projects/${h.projectId}`);
  await page.fill('#token', reader);
  await page.click('button[type=submit]');
  await page.waitForURL(`${h.url}/projects/${h.projectId}`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('compare and history with interactive plots', () => {
  it('the history strip shows each version’s drawn thumbnail, not a tile', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}/snapshots/${ids[1]}`);
    const thumbs = page.locator('.timeline .thumb-mini img');
    await expect.poll(() => thumbs.count()).toBe(2);
    expect(await page.locator('.timeline .tile').count()).toBe(0);
    // Both loaded as pictures: the WebP the server drew (480 wide), not a broken image.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('.timeline .thumb-mini img')].every(
          (i) => i.complete && i.naturalWidth > 0,
        ),
      undefined,
      { timeout: 30_000 },
    );
    const widths = await thumbs.evaluateAll((imgs) =>
      imgs.map((i) => (i as HTMLImageElement).naturalWidth),
    );
    expect(widths).toEqual([480, 480]);
    const src = await thumbs.first().getAttribute('src');
    expect(src).toMatch(new RegExp(`^${h.url}/thumbs/`));
    expect(h.server.context.thumbnails.stats().placeholders).toBe(0);
    await page.locator('.history-panel').screenshot({ path: join(shots, 'history-vega.png') });
  });

  it('the compare page draws both Vega-Lite versions live, side by side, in sandboxed frames', async () => {
    // From the history form: A the older version, B this one (the form's defaults).
    await page.click('.history button[type=submit]');
    await page.waitForURL(/\/compare\?/);
    const url = new URL(page.url());
    expect([url.searchParams.get('a'), url.searchParams.get('b')]).toEqual([ids[0], ids[1]]);
    const frames = page.locator('.compare .side iframe.plot-frame');
    await expect.poll(() => frames.count()).toBe(2);
    const bars: number[] = [];
    for (let i = 0; i < 2; i++) {
      const handle = frames.nth(i);
      expect(await handle.getAttribute('sandbox')).toBe('allow-scripts');
      const frame = await (await handle.elementHandle())!.contentFrame();
      if (!frame) throw new Error('a plot frame has no document');
      await frame.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
      bars.push(await frame.locator('svg g.mark-rect path').count());
    }
    // Each side is its own version: three bars on A, four on B.
    expect(bars).toEqual([3, 4]);
    // Side by side: same row, B to the right of A.
    const [a, b] = [await frames.nth(0).boundingBox(), await frames.nth(1).boundingBox()];
    expect(a!.width).toBeGreaterThan(300);
    expect(Math.abs(a!.y - b!.y)).toBeLessThan(2);
    expect(b!.x).toBeGreaterThan(a!.x + a!.width);
    // A hover tooltip appears on B's chart (it is live, not a picture).
    const frameB = await (await frames.nth(1).elementHandle())!.contentFrame();
    await frameB!.locator('svg g.mark-rect path').last().hover();
    await frameB!.waitForSelector('#vg-tooltip-element.visible', { timeout: 10_000 });
    expect(await frameB!.locator('#vg-tooltip-element').textContent()).toContain('deep+aug');
    // The page's CSP lets in frames from the frame origin only.
    const res = await page.request.get(page.url());
    expect(res.headers()['content-security-policy']).toContain(`frame-src ${h.url}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'compare-vega.png'), fullPage: true });
  });

  it('a compare of two images frames nothing (frame-src stays none)', async () => {
    const png = { title: 'png-plot', type: 'image/png' };
    const a = await ready(null, 'c'.repeat(40), { ...png, bytes: PNG });
    const b = await ready(null, 'd'.repeat(40), {
      ...png,
      bytes: Buffer.concat([PNG, Buffer.from(' b')]),
    });
    const res = await page.request.get(`${h.url}/projects/${h.projectId}/compare?a=${a}&b=${b}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-security-policy']).toContain("frame-src 'none'");
    const body = await res.text();
    expect(body).not.toContain('<iframe');
    expect(body.match(/<div class="plot"><img /g)).toHaveLength(2);
  });

  it('two PDF versions: first pages drawn live side by side, thumbnails in the history', async () => {
    const pdf = { title: 'loss-report', type: 'application/pdf' };
    const a = await ready(null, 'e'.repeat(40), {
      ...pdf,
      bytes: pdfFile('Loss by model, v1', [120, 180, 90]),
    });
    const b = await ready(null, 'f'.repeat(40), {
      ...pdf,
      bytes: pdfFile('Loss by model, v2', [100, 150, 80, 60]),
    });
    await page.goto(`${h.url}/projects/${h.projectId}/snapshots/${b}`);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('.timeline .thumb-mini img')].every(
          (i) => i.complete && i.naturalWidth === 480,
        ),
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.locator('.timeline .thumb-mini img').count()).toBe(2);
    await page.goto(`${h.url}/projects/${h.projectId}/compare?a=${a}&b=${b}`);
    const frames = page.locator('.compare .side iframe.plot-frame');
    await expect.poll(() => frames.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      const frame = await (await frames.nth(i).elementHandle())!.contentFrame();
      await frame!.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
      expect(await frame!.locator('#plot canvas').count()).toBe(1);
    }
    expect(await page.locator('.compare .full-file').count()).toBe(2);
    await page.screenshot({ path: join(shots, 'compare-pdf.png'), fullPage: true });
  });
});
