/**
 * The grid shows every plot type as a decoded picture (its /thumbs/ thumbnail: drawn by the
 * server for Vega-Lite and PDF, resized for PNG, the typed placeholder for Plotly) with a kind
 * badge; the review page draws a changed Vega-Lite plot live on both sides. In Debian's Chromium.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPng } from '../src/testing.js';
import { launchChromium, requireChromium, shots } from './browser.js';
import { type Harness, startHarness } from './helpers.js';
import { pdfFile, plotlyFigure, publishPlot, vegaLiteChart } from './plot-fixtures.js';

const BASE_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const HEAD_SHA = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';

/** A loss curve on white, 640×400. */
const lossPng = testPng(640, 400, (x, y) => {
  const line = Math.abs(y - (60 + 280 * (1 - Math.exp(-x / 140)))) < 3;
  const grid = y % 80 === 0 || x % 128 === 0;
  return line ? [220, 38, 38] : grid ? [229, 231, 235] : [255, 255, 255];
});

let h: Harness;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};

beforeAll(async () => {
  await requireChromium();
  h = await startHarness();
  const main = { branch: 'main', commit_sha: BASE_SHA, collection: 'report' };
  const vl = (models: string[]) => ({
    bytes: JSON.stringify(vegaLiteChart(models)),
    type: 'application/vnd.vegalite.v5+json',
  });
  ids.vlBase = await publishPlot(h, vl(['baseline', 'wide', 'deep']), {
    ...main,
    title: 'accuracy-by-model',
  });
  ids.pdf = await publishPlot(
    h,
    { bytes: pdfFile('Loss by model', [120, 180, 90]), type: 'application/pdf' },
    { ...main, title: 'loss-report' },
  );
  ids.png = await publishPlot(
    h,
    { bytes: lossPng, type: 'image/png' },
    { ...main, title: 'loss-curve' },
  );
  ids.plotly = await publishPlot(
    h,
    { bytes: JSON.stringify(plotlyFigure()), type: 'application/vnd.plotly.v1+json' },
    { ...main, title: 'validation-loss' },
  );
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${h.url}/projects/${h.projectId}`);
  await page.fill('#token', await h.tokenFor(h.projectId, 'reader'));
  await page.click('button[type=submit]');
  await page.waitForURL(`${h.url}/projects/${h.projectId}`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('thumbnails for every plot type', () => {
  it('the grid shows Vega-Lite, PDF, PNG and Plotly cards as decoded thumbnails with badges', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    const imgs = page.locator('.grid .card .thumb img');
    await expect.poll(() => imgs.count()).toBe(4);
    expect(await page.locator('.grid .tile').count()).toBe(0);
    // Thumbnails are made on first request (drawn in threads): wait until every one decoded.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('.grid .thumb img')].every(
          (i) => i.complete && i.naturalWidth > 0,
        ),
      undefined,
      { timeout: 45_000 },
    );
    const seen = await imgs.evaluateAll((els) =>
      els.map((el) => {
        const i = el as HTMLImageElement;
        const card = i.closest('.card')!;
        return {
          id: card.getAttribute('data-id'),
          src: i.getAttribute('src'),
          natural: i.naturalWidth,
          badge: card.querySelector('.kind-badge')?.textContent ?? null,
          box: Math.round(i.getBoundingClientRect().height),
        };
      }),
    );
    const byId = new Map(seen.map((s) => [s.id, s]));
    const want: Array<[string, string | null]> = [
      [ids.vlBase!, 'Vega-Lite · interactive'],
      [ids.pdf!, 'PDF'],
      [ids.png!, null],
      [ids.plotly!, 'Plotly · interactive'],
    ];
    for (const [id, badge] of want) {
      const s = byId.get(id)!;
      expect(s.src).toMatch(new RegExp(`^${h.url}/thumbs/${id}\\?expires=`));
      expect(s.natural).toBe(480);
      expect(s.badge).toBe(badge);
    }
    // Every card's picture box has the same height (width/height reserve it).
    expect(new Set(seen.map((s) => s.box)).size).toBe(1);
    // Drawn thumbnails, not placeholders, for Vega-Lite, PDF and PNG: only Plotly's is one.
    expect(h.server.context.thumbnails.stats().placeholders).toBe(1);
    await page.locator('.grid').screenshot({ path: join(shots, 'grid-types.png') });
  });

  it('the review page of a changed Vega-Lite plot draws both versions live', async () => {
    await publishPlot(
      h,
      {
        bytes: JSON.stringify(vegaLiteChart(['baseline', 'wide', 'deep', 'deep+aug'])),
        type: 'application/vnd.vegalite.v5+json',
      },
      {
        title: 'accuracy-by-model',
        collection: 'report',
        branch: 'feature/aug',
        commit_sha: HEAD_SHA,
        pr_number: 7,
      },
    );
    const url = `${h.url}/projects/${h.projectId}/review?head=${HEAD_SHA}&base=${BASE_SHA}&base_branch=main`;
    const res = await page.request.get(url);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-security-policy']).toContain(`frame-src ${h.url}`);
    await page.goto(url);
    const item = page.locator('article.review-item.state-changed');
    expect(await item.count()).toBe(1);
    expect(await item.getAttribute('data-title')).toBe('accuracy-by-model');
    const frames = item.locator('.side iframe.plot-frame');
    await expect.poll(() => frames.count()).toBe(2);
    const bars: number[] = [];
    for (let i = 0; i < 2; i++) {
      expect(await frames.nth(i).getAttribute('sandbox')).toBe('allow-scripts');
      const frame = await (await frames.nth(i).elementHandle())!.contentFrame();
      if (!frame) throw new Error('a plot frame has no document');
      await frame.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
      bars.push(await frame.locator('svg g.mark-rect path').count());
    }
    // Baseline on the left with three bars, head on the right with four.
    expect(bars).toEqual([3, 4]);
    expect(await item.locator('.tile').count()).toBe(0);
    await item.screenshot({ path: join(shots, 'review-vega.png') });
  });
});
