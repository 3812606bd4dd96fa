import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SnapshotplotClient } from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPng } from '../src/testing.js';
import { type FakeGitHub, startFakeGitHub } from '../src/testing-github.js';
import { launchChromium, requireChromium, root, shots } from './browser.js';
import { type Harness, startHarness } from './helpers.js';

const BASE_SHA = '8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c92';
const HEAD_SHA = '5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80';

/** A line chart of `f` on white (320×200): changing `f` moves the line's pixels. */
const chart = (f: (x: number) => number) =>
  testPng(320, 200, (x, y) => {
    const line = Math.abs(y - (100 - f(x) * 70)) < 2.5;
    const grid = y % 50 === 0 || x % 80 === 0;
    return line ? [37, 99, 235] : grid ? [229, 231, 235] : [255, 255, 255];
  });

const PLOTS = {
  'loss-curve': {
    base: chart((x) => Math.exp(-x / 90) * Math.cos(x / 14)),
    head: chart((x) => Math.exp(-x / 90) * Math.cos(x / 14) * 0.6),
    code: (damp: string) =>
      `import numpy as np\n\nx = np.arange(320)\n# the validation loss, smoothed over epochs\ny = np.exp(-x / 90) * np.cos(x / 14)${damp}\nplot(x, y, title="loss curve: a rather long line that has to scroll sideways in the code diff panel instead of wrapping or widening the page", xlabel="epoch", ylabel="validation loss (smoothed)", legend=True)\n`,
  },
  'attention-heatmap': {
    base: testPng(200, 200, (x, y) => (Math.abs(x - y) < 20 ? [253, 231, 37] : [68, 1, 84])),
    head: testPng(200, 200, (x, y) => (Math.abs(x - y) < 32 ? [253, 231, 37] : [68, 1, 84])),
    code: (width: string) =>
      `import numpy as np\n\nn = 200\nband = ${width}\nw = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) < band\nimshow(w)\n`,
  },
} as const;

let h: Harness;
let gh: FakeGitHub;
let browser: Browser;
let page: Page;
let client: SnapshotplotClient;
let work: string;
let reader: string;
let publisher: string;
let reviewUrl: string;
const cspErrors: string[] = [];

async function publish(title: string, plot: Buffer, code: string, head: boolean) {
  const dir = join(work, head ? 'head' : 'base');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${title}.png`), plot);
  await writeFile(join(dir, `${title}.py`), code);
  await publishSnapshot(client, {
    metadata: {
      project_id: h.projectId,
      collection: 'training',
      title,
      author: 'Ada Lovelace',
      repo_owner: 'snapshotplot',
      repo_name: 'demo',
      commit_sha: head ? HEAD_SHA : BASE_SHA,
      branch: head ? 'feature/smoothing' : 'main',
      ...(head ? { pr_number: 1 } : {}),
    },
    plot: join(dir, `${title}.png`),
    code: join(dir, `${title}.py`),
  });
}

async function signIn(token: string) {
  await page.context().clearCookies();
  await page.goto(reviewUrl);
  await expect.poll(() => page.url()).toContain('/signin?next=');
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/review\?/);
}

const changed = () => page.locator('article.review-item.state-changed');

beforeAll(async () => {
  await requireChromium();
  work = await mkdtemp(join(tmpdir(), 'sp-review-'));
  gh = await startFakeGitHub();
  h = await startHarness({ config: { githubToken: gh.token, githubApiUrl: gh.url } });
  reader = await h.tokenFor(h.projectId, 'reader');
  publisher = await h.tokenFor(h.projectId, 'publisher');
  client = createClient({ baseUrl: h.url, token: h.token });
  const steady = chart((x) => Math.sin(x / 30));
  for (const head of [false, true]) {
    await publish(
      'loss-curve',
      PLOTS['loss-curve'][head ? 'head' : 'base'],
      PLOTS['loss-curve'].code(head ? ' * 0.6' : ''),
      head,
    );
    await publish(
      'attention-heatmap',
      PLOTS['attention-heatmap'][head ? 'head' : 'base'],
      PLOTS['attention-heatmap'].code(head ? '32' : '20'),
      head,
    );
    await publish('accuracy', steady, 'plot(accuracy)\n', head);
  }
  const c = await client.compare(h.projectId, {
    head: HEAD_SHA,
    base: BASE_SHA,
    base_branch: 'main',
    pr_number: 1,
  });
  expect(c.summary).toMatchObject({ changed: 2, unchanged: 1, new: 0 });
  expect(c.review_url).toBeTruthy();
  reviewUrl = c.review_url!;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await gh?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('review page in Chromium', () => {
  it('shows a reader the changed plots, their difference images and code diffs, without buttons', async () => {
    await signIn(reader);
    expect(new URL(reviewUrl).pathname).toBe(`/projects/${h.projectId}/review`);
    expect(await changed().count()).toBe(2);
    expect(await page.textContent('.summary')).toContain('2 changed, 1 unchanged');
    // Every image loaded: both sides of both plots and the two difference images.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.review-item img')].every(
        (i) => (i as HTMLImageElement).complete,
      ),
    );
    const sizes = await page.$$eval('.diff-image img.diff-over', (imgs) =>
      imgs.map((i) => (i as HTMLImageElement).naturalWidth),
    );
    expect(sizes.sort()).toEqual([200, 320]);
    // Each difference image lies over the (faded) head plot of the same size.
    const under = await page.$$eval('.diff-image img.diff-under', (imgs) =>
      imgs.map((i) => (i as HTMLImageElement).naturalWidth),
    );
    expect(under.sort()).toEqual([200, 320]);
    const broken = await page.$$eval(
      '.review-item img',
      (imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth === 0).length,
    );
    expect(broken).toBe(0);
    expect(await page.locator('.review-item img').count()).toBe(8);
    // The code diff, highlighted as a diff: the edited line removed and added.
    const heatmap = page.locator('article.review-item[data-title="attention-heatmap"]');
    expect(await heatmap.locator('pre.code.diff .hljs-deletion').allTextContents()).toContain(
      '-band = 20',
    );
    expect(await heatmap.locator('pre.code.diff .hljs-addition').allTextContents()).toContain(
      '+band = 32',
    );
    expect(await heatmap.locator('.score').textContent()).toMatch(/pixels? changed/);
    // The long line scrolls inside the panel; the page itself does not get wider.
    const loss = page.locator('article.review-item[data-title="loss-curve"] pre.code.diff');
    // (highlight.js's theme makes the <code> inside the <pre> the scrolling box)
    const scrolls = await loss.evaluate((pre) =>
      [pre, pre.firstElementChild!].some((e) => e.scrollWidth > e.clientWidth),
    );
    expect(scrolls).toBe(true);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    expect(await page.locator('form.review-buttons').count()).toBe(0);
    expect(await page.textContent('.review-head')).toContain('needs the publisher role');
    // The unchanged plot is listed, folded.
    expect(await page.locator('details.unchanged').getAttribute('open')).toBeNull();
    expect(await page.textContent('details.unchanged')).toContain('accuracy');
    // The head snapshot's page links to the review of its commit.
    const headLink = page.locator('article[data-title="loss-curve"] .side:nth-child(2) h2 a');
    await page.goto(new URL((await headLink.getAttribute('href'))!, h.url).href);
    expect(await page.getAttribute('a.review-link', 'href')).toBe(
      `/projects/${h.projectId}/review?head=${HEAD_SHA}`,
    );
    // A reader's own POST, with its session's valid CSRF token, is refused for the role.
    const csrf = await page.getAttribute('.who input[name=csrf]', 'value');
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${h.url}/projects/${h.projectId}/review`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        head: HEAD_SHA,
        base: BASE_SHA,
        decision: 'approved',
        all: '1',
        csrf: csrf!,
      }),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('needs publisher or above');
  });

  it('lets a publisher approve one plot, then all, showing who and when', async () => {
    await signIn(publisher);
    const heatmap = page.locator('article.review-item[data-title="attention-heatmap"]');
    expect(await heatmap.locator('.decision').textContent()).toBe('not reviewed yet');
    await heatmap.locator('button.approve').click();
    await page.waitForURL(/reviewed=approved/);
    expect(await page.textContent('.notice')).toBe('Approved 1 plot.');
    const decided = page.locator('article.review-item[data-title="attention-heatmap"] .decision');
    expect(await decided.textContent()).toMatch(/^Approved by .+, just now$/);
    expect(
      await page.locator('article.review-item[data-title="loss-curve"] .decision').textContent(),
    ).toBe('not reviewed yet');
    expect(await page.textContent('.badge.status')).toContain('pending');
    const api = await client.getComparison(h.projectId, { head: HEAD_SHA, base: BASE_SHA });
    expect(api.summary).toMatchObject({ approved: 1, unreviewed: 1 });

    await page.click('.review-head button.approve');
    await page.waitForURL(/reviewed=approved&n=2/);
    expect(await page.locator('.decision.approved').count()).toBe(2);
    expect(await page.textContent('.badge.status')).toContain('success');
    // Each decision set the head commit's status on GitHub; the last one says success.
    const statuses = gh.statuses.filter((x) => x.sha === HEAD_SHA);
    expect(statuses.map((x) => x.state)).toEqual(['pending', 'success']);
    expect(statuses[1]).toMatchObject({
      owner: 'snapshotplot',
      repo: 'demo',
      context: 'snapshotplot',
      target_url: reviewUrl,
    });
    expect(gh.calls('createStatus').every((r) => r.authorization?.includes(gh.token))).toBe(true);
    await page.screenshot({ path: join(shots, 'review.png'), fullPage: true });
  });

  it('reads well on a phone: plots stacked, code diffs scroll inside their panel', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(reviewUrl);
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    // Looked at after a run only (not in docs/): test-results/screenshots/review-phone.png.
    await mkdir(join(root, 'test-results/screenshots'), { recursive: true });
    await phone.screenshot({
      path: join(root, 'test-results/screenshots/review-phone.png'),
      fullPage: true,
    });
    await phone.close();
  });

  it('refuses a review POST without the session CSRF token', async () => {
    const cookies = await page.context().cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const form = new URLSearchParams({
      head: HEAD_SHA,
      base: BASE_SHA,
      base_branch: 'main',
      decision: 'changes_requested',
      all: '1',
      csrf: 'not-the-token',
    });
    const res = await fetch(`${h.url}/projects/${h.projectId}/review`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('CSRF token');
    const noHead = await fetch(`${h.url}/projects/${h.projectId}/review`, { headers: { cookie } });
    expect(noHead.status).toBe(400);
    expect(await noHead.text()).toContain('needs the head commit');
    const badBase = await fetch(
      `${h.url}/projects/${h.projectId}/review?head=${HEAD_SHA}&base=nope`,
      {
        headers: { cookie },
      },
    );
    expect(badBase.status).toBe(400);
    expect(await badBase.text()).toContain('The &quot;base&quot; parameter is not valid');
    const api = await client.getComparison(h.projectId, { head: HEAD_SHA, base: BASE_SHA });
    expect(api.summary).toMatchObject({ approved: 2, changes_requested: 0 });
    expect(cspErrors).toEqual([]);
  });
});
