// The gallery in real Chromium (Debian's /usr/bin/chromium via playwright-core): sign in, grid,
// filters, snapshot page with highlighted code, live updates over SSE, compare, untrusted SVG.
// Screenshots go to test-results/screenshots/ to be looked at after a run; with
// SNAPSHOTPLOT_UPDATE_SCREENSHOTS=1 (`pnpm screenshots`) they replace the committed ones in
// docs/screenshots/ that the README shows.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type SnapshotplotClient } from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, root, shots } from './browser.js';
import { type Harness, startHarness } from './helpers.js';

const run = promisify(execFile);
const SHAS = [
  '3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a31',
  '8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c92',
  'd41c7a2b9e8f0a1b2c3d4e5f60718293a4b5c6d7',
];
const EVIL_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" onload="window.pwned='onload';try{top.pwned='onload'}catch(e){}">
<script>window.pwned = 'script'; try { top.pwned = 'script'; } catch (e) {}</script>
<rect width="200" height="100" fill="#fde68a"/><text x="20" y="55">untrusted</text></svg>`;

let h: Harness;
let browser: Browser;
let page: Page;
let client: SnapshotplotClient;
let work: string;
let reader: string;
const cspErrors: string[] = [];
const ids: Record<string, string> = {};

const BRANCH = 'feature/wider-colour-scales-for-the-attention-heatmaps';

async function publish(title: string, plot: string, code: string | undefined, commit: number) {
  const { snapshot } = await publishSnapshot(client, {
    metadata: {
      project_id: h.projectId,
      collection: 'demo',
      title,
      author: 'Ada Lovelace',
      description: `${title} at commit ${commit + 1}`,
      tags: ['demo'],
      repo_owner: 'snapshotplot',
      repo_name: 'demo',
      commit_sha: SHAS[commit]!,
      // A long branch name: the card must cut it, never the commit beside it.
      branch: commit ? BRANCH : 'main',
    },
    plot,
    ...(code ? { code } : {}),
  });
  return snapshot.id;
}

/** Draws an example of examples/gallery for a commit, with its script as the code (.js). */
async function draw(stem: string, ext: string, commit: number) {
  const dir = join(work, `c${commit}`);
  await mkdir(dir, { recursive: true });
  const script = join(root, 'examples/gallery', `${stem}.mjs`);
  await run(process.execPath, [script, dir, String(commit + 1)]);
  await copyFile(script, join(dir, `${stem}.js`));
  return { plot: join(dir, `${stem}.${ext}`), code: join(dir, `${stem}.js`) };
}

const cards = () => page.locator('.grid .card');

beforeAll(async () => {
  await requireChromium();
  work = await mkdtemp(join(tmpdir(), 'sp-gallery-'));
  h = await startHarness();
  reader = await h.tokenFor(h.projectId, 'reader');
  client = createClient({ baseUrl: h.url, token: h.token });
  for (const commit of [0, 1]) {
    for (const [stem, ext] of [
      ['loss-curve', 'svg'],
      ['attention-heatmap', 'png'],
      ['accuracy-by-model', 'svg'],
    ] as const) {
      const f = await draw(stem, ext, commit);
      ids[`${stem}@${commit}`] = await publish(stem, f.plot, f.code, commit);
    }
  }
  await writeFile(join(work, 'evil.svg'), EVIL_SVG);
  ids.evil = await publish('untrusted-svg', join(work, 'evil.svg'), undefined, 0);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('gallery in Chromium', () => {
  it('signs in with a pasted reader token and shows the grid, newest first', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    await expect.poll(() => page.url()).toContain('/signin?next=');
    await page.fill('#token', reader);
    await page.click('button[type=submit]');
    await page.waitForURL(`${h.url}/projects/${h.projectId}`);
    // The default view: latest per plot, one card per plot with its version count.
    expect(await cards().count()).toBe(4);
    expect(await page.locator('.view-switch a.on').textContent()).toBe('Latest per plot');
    const latest = await page.$$eval('.grid .card', (els) =>
      els.map((e) => ({
        id: e.getAttribute('data-id'),
        title: e.querySelector('strong')?.textContent,
        versions: e.querySelector('.versions')?.textContent,
      })),
    );
    expect(latest).toEqual([
      { id: ids.evil, title: 'untrusted-svg', versions: '1 version' },
      { id: ids['accuracy-by-model@1'], title: 'accuracy-by-model', versions: '2 versions' },
      { id: ids['attention-heatmap@1'], title: 'attention-heatmap', versions: '2 versions' },
      { id: ids['loss-curve@1'], title: 'loss-curve', versions: '2 versions' },
    ]);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.grid img')].every(
        (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
      ),
    );
    await page.screenshot({ path: join(shots, 'gallery-latest.png'), fullPage: true });
    // "All versions" is a shareable GET parameter: today's grid, every version newest first.
    await page.click('.view-switch a:not(.on)');
    await page.waitForURL(`${h.url}/projects/${h.projectId}?view=all`);
    expect(await cards().count()).toBe(7);
    expect(await cards().first().locator('strong').textContent()).toBe('untrusted-svg');
    // Every image thumbnail actually loaded (thumbnails are made on first request: wait).
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.grid img')].every((i) => (i as HTMLImageElement).complete),
    );
    const broken = await page.$$eval(
      '.grid img',
      (imgs) =>
        imgs.filter(
          (i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0,
        ).length,
    );
    expect(broken).toBe(0);
    // The cards show the stored WebP thumbnails (thumbnails/), not the full plots.
    const srcs = await page.$$eval('.grid img', (imgs) =>
      imgs.map((i) => ({
        src: (i as HTMLImageElement).src,
        width: (i as HTMLImageElement).naturalWidth,
      })),
    );
    expect(srcs.length).toBe(7);
    for (const { src, width } of srcs) {
      expect(src).toMatch(new RegExp(`^${h.url}/thumbs/snap_\\w+\\?expires=\\d+&sig=`));
      expect(width).toBeGreaterThan(0);
      expect(width).toBeLessThanOrEqual(480);
    }
    const thumb = await page.request.get(srcs[0]!.src);
    expect(thumb.headers()['content-type']).toBe('image/webp');
    // The header names the project and the role, not "reader token".
    expect(await page.locator('.who span').textContent()).toBe(`${h.projectId} · reader`);
    // A long branch is cut with an ellipsis; the commit and PR beside it are shown whole.
    const refs = await page.$$eval('.card .sub.refs', (els) =>
      els.map((el) => {
        const ref = el.querySelector('.ref');
        const box = el.getBoundingClientRect();
        const r = ref?.getBoundingClientRect();
        return { text: ref?.textContent ?? '', inside: !!r && r.right <= box.right + 0.5 };
      }),
    );
    expect(refs.length).toBe(7);
    expect(refs.every((r) => /^[0-9a-f]{7}/.test(r.text) && r.inside)).toBe(true);
    // The Collection select sits on the same line as the text fields (same top and height).
    const [select, text] = await Promise.all([
      page.locator('.filters select').boundingBox(),
      page.locator('.filters input[name=branch]').boundingBox(),
    ]);
    expect(Math.abs(select!.y - text!.y)).toBeLessThan(1);
    expect(Math.abs(select!.height - text!.height)).toBeLessThan(1);
    await page.screenshot({ path: join(shots, 'gallery-grid.png'), fullPage: true });
  });

  it('filters by text and branch, reflected in the URL', async () => {
    await page.fill('input[name=q]', 'heatmap');
    await page.fill('input[name=branch]', BRANCH);
    await page.click('.filters button[type=submit]');
    await page.waitForURL(/q=heatmap/);
    expect(page.url()).toContain(`branch=${encodeURIComponent(BRANCH)}`);
    expect(await cards().count()).toBe(1);
    expect(await cards().first().getAttribute('data-id')).toBe(ids['attention-heatmap@1']);
    await page.goto(`${h.url}/projects/${h.projectId}?tag=nope`);
    expect(await cards().count()).toBe(0);
    expect(await page.textContent('.empty')).toContain('match these filters');
  });

  it('opens a snapshot: the plot large, highlighted code, forge links', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    await page.click(`.card[data-id="${ids['loss-curve@1']}"]`);
    await page.waitForURL(/\/snapshots\//);
    const size = await page.$eval('.plot img', (i) => (i as HTMLImageElement).naturalWidth);
    expect(size).toBe(640);
    expect(await page.locator('pre.code .hljs-keyword').count()).toBeGreaterThan(3);
    expect(await page.textContent('pre.code')).toContain("import { writeFileSync } from 'node:fs'");
    expect(await page.getAttribute('dd a[href*="/commit/"]', 'href')).toBe(
      `https://github.com/snapshotplot/demo/commit/${SHAS[1]}`,
    );
    expect(await page.locator('.timeline li').count()).toBe(2);
    await page.screenshot({ path: join(shots, 'gallery-snapshot.png'), fullPage: true });
  });

  it('compares two versions side by side with a difference overlay for PNGs', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}/snapshots/${ids['attention-heatmap@1']}`);
    await page.click('.history button[type=submit]');
    await page.waitForURL(/\/compare\?/);
    expect(page.url()).toContain(`b=${ids['attention-heatmap@1']}`);
    expect(page.url()).toContain(`a=${ids['attention-heatmap@0']}`);
    expect(await page.locator('.compare .side img').count()).toBe(2);
    await page.waitForSelector('#overlay:not([hidden])', { timeout: 5000 });
    const blend = await page.$eval(
      '.overlay img:last-child',
      (i) => getComputedStyle(i).mixBlendMode,
    );
    expect(blend).toBe('difference');
    // A and B must cover exactly the same pixels, or the difference shows layout, not change.
    const rects = await page.$$eval('.overlay img', (imgs) =>
      imgs.map((i) => JSON.stringify(i.getBoundingClientRect())),
    );
    expect(rects[0]).toBe(rects[1]);
    await page.screenshot({ path: join(shots, 'gallery-compare.png'), fullPage: true });
  });

  it('shows a snapshot published from the test live, with a "new" marker', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    // The page script marks the document once the EventSource is open.
    await page.waitForSelector('html[data-live=on]', { timeout: 5000 });
    const f = await draw('embedding-scatter', 'svg', 1);
    const id = await publish('embedding-scatter', f.plot, f.code, 1);
    const fresh = page.locator(`.card.new[data-id="${id}"]`);
    await fresh.waitFor({ timeout: 10_000 });
    expect(await cards().first().getAttribute('data-id')).toBe(id);
    expect(await fresh.locator('.badge').textContent()).toBe('new');
    await page.screenshot({ path: join(shots, 'gallery-live.png') });
  });

  it('in the latest view a live new version replaces its plot card', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    await page.waitForSelector('html[data-live=on]', { timeout: 5000 });
    const before = await cards().count();
    const f = await draw('loss-curve', 'svg', 2);
    const id = await publish('loss-curve', f.plot, f.code, 2);
    const fresh = page.locator(`.card.new[data-id="${id}"]`);
    await fresh.waitFor({ timeout: 10_000 });
    expect(await cards().count()).toBe(before);
    expect(await page.locator('.grid .card', { hasText: 'loss-curve' }).count()).toBe(1);
    expect(await fresh.locator('.versions').textContent()).toBe('3 versions');
    expect(await page.locator(`.card[data-id="${ids['loss-curve@1']}"]`).count()).toBe(0);
  });

  it('never runs script from an uploaded SVG', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}/snapshots/${ids.evil}`);
    await page.waitForFunction(
      () => (document.querySelector('.plot img') as HTMLImageElement)?.complete,
    );
    expect(await page.$eval('.plot img', (i) => (i as HTMLImageElement).naturalWidth)).toBe(200);
    expect(await page.evaluate(() => (window as { pwned?: string }).pwned)).toBeUndefined();
    // Even opened directly, the delivery URL's CSP sandbox keeps it inert.
    const plotUrl = await page.getAttribute('.plot img', 'src');
    await page.goto(plotUrl!);
    expect(await page.evaluate(() => (window as { pwned?: string }).pwned)).toBeUndefined();
  });

  it('reads well on a phone', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
    });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${h.url}/projects/${h.projectId}/snapshots/${ids['attention-heatmap@1']}`);
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(shots, 'gallery-phone.png') });
    // On the grid the filters are folded to one line, so the first screen shows plots.
    await phone.goto(`${h.url}/projects/${h.projectId}`);
    expect(await phone.locator('.filter-box').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(
      false,
    );
    expect(await phone.locator('.filters input[name=q]').isVisible()).toBe(false);
    await phone.click('.filter-box summary');
    expect(await phone.locator('.filters input[name=q]').isVisible()).toBe(true);
    // With a filter set they stay open: the reader sees what the page is filtered by.
    await phone.goto(`${h.url}/projects/${h.projectId}?branch=main`);
    expect(await phone.locator('.filters input[name=q]').isVisible()).toBe(true);
    await phone.goto(`${h.url}/projects/${h.projectId}`);
    await phone.screenshot({ path: join(shots, 'gallery-phone-grid.png') });
    await phone.close();
  });

  it('signs out, and the gallery sent no CSP violations', async () => {
    await page.goto(`${h.url}/projects/${h.projectId}`);
    await page.click('.who button');
    await page.waitForURL(/\/signin$/);
    await page.goto(`${h.url}/projects/${h.projectId}`);
    expect(page.url()).toContain('/signin?next=');
    await page.screenshot({ path: join(shots, 'gallery-signin.png') });
    expect(cspErrors).toEqual([]);
  });
});
