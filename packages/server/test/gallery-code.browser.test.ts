import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, root, shots } from './browser.js';
import { type Harness, startHarness } from './helpers.js';

const LONG = `labels = [${Array.from({ length: 40 }, (_, i) => `"region-${i}"`).join(', ')}]`;
const SOURCE = `import numpy as np\n\n${LONG}\nvalues = np.arange(len(labels))\nprint(values.sum())\n`;

/** A small bar chart as a real PNG (for the plot and the notebook's output). */
async function chartPng(): Promise<Buffer> {
  const bars = [42, 77, 58, 91, 66]
    .map(
      (v, i) =>
        `<rect x="${40 + i * 70}" y="${220 - v * 2}" width="48" height="${v * 2}" fill="#4f46e5"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="260"><rect width="420" height="260" fill="#fff"/>${bars}<line x1="30" y1="220" x2="400" y2="220" stroke="#111"/><text x="40" y="248" font-family="sans-serif" font-size="14">north   south   east   west   central</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function notebook(png: Buffer) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { language_info: { name: 'python' }, kernelspec: { language: 'python' } },
    cells: [
      {
        cell_type: 'markdown',
        source: [
          '# Sales by region\n',
          '\n',
          'Quarterly sales, from the **warehouse export**; see [the docs](https://example.org/docs).\n',
          '\n',
          '<script>window.__pwned = "markdown"</script>\n',
        ],
      },
      {
        cell_type: 'code',
        execution_count: 1,
        source: ['import pandas as pd\n', 'df = pd.read_csv("sales.csv")\n', 'df.head(3)'],
        outputs: [
          {
            output_type: 'execute_result',
            execution_count: 1,
            data: {
              'text/plain': ['    region  sales\n', '0    north     42\n', '1    south     77'],
              'text/html': ['<table id="df-html"><script>window.__pwned = "df"</script></table>'],
            },
            metadata: {},
          },
        ],
      },
      {
        cell_type: 'code',
        execution_count: 2,
        source: [
          'import matplotlib.pyplot as plt\n',
          'fig, ax = plt.subplots()\n',
          'ax.bar(df.region, df.sales)  # one bar per region\n',
          'print("drawn", len(df), "bars")',
        ],
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['drawn 5 bars\n'] },
          {
            output_type: 'display_data',
            data: { 'image/png': png.toString('base64'), 'text/plain': ['<Figure size 420x260>'] },
            metadata: {},
          },
          {
            output_type: 'display_data',
            data: {
              'text/html': ['<div id="evil-html"><img src=x onerror="window.__pwned=1"></div>'],
            },
            metadata: {},
          },
        ],
      },
    ],
  };
}

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let work: string;
const ids: Record<string, string> = {};
const cspErrors: string[] = [];

beforeAll(async () => {
  await requireChromium();
  work = await mkdtemp(join(tmpdir(), 'sp-code-'));
  h = await startHarness();
  const client = createClient({ baseUrl: h.url, token: h.token });
  const png = await chartPng();
  await writeFile(join(work, 'chart.png'), png);
  await writeFile(join(work, 'long.py'), SOURCE);
  await writeFile(join(work, 'sales.ipynb'), JSON.stringify(notebook(png), null, 1));
  for (const [title, code] of [
    ['long-line', 'long.py'],
    ['sales-notebook', 'sales.ipynb'],
  ] as const) {
    const { snapshot } = await publishSnapshot(client, {
      metadata: { project_id: h.projectId, collection: 'demo', title, author: 'Ada Lovelace' },
      plot: join(work, 'chart.png'),
      code: join(work, code),
    });
    ids[title] = snapshot.id;
  }
  // The test looks at the code panel's scrollbar: headless Chromium hides them by default.
  browser = await launchChromium({ showScrollbars: true });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
  const signin = await context.request.post(`${h.url}/signin`, {
    form: { token: await h.tokenFor(h.projectId, 'reader') },
    maxRedirects: 0,
  });
  expect([302, 303]).toContain(signin.status());
  page = await context.newPage();
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

const snapshotUrl = (title: string) => `${h.url}/projects/${h.projectId}/snapshots/${ids[title]}`;

describe('code panel in Chromium', () => {
  it('shows line numbers beside the code, not part of its selected text', async () => {
    await page.goto(snapshotUrl('long-line'));
    const lines = page.locator('.code-panel pre.code .line');
    expect(await lines.count()).toBe(5);
    const gutter = await lines.first().evaluate((el) => {
      const before = getComputedStyle(el, '::before');
      return { content: before.content, width: Number.parseFloat(before.width) };
    });
    expect(gutter.content).toBe('counter(line)');
    expect(gutter.width).toBeGreaterThan(10);
    // The code text starts right of the gutter.
    const [pre, text] = await Promise.all([
      page.locator('.code-panel pre.code').boundingBox(),
      lines.first().locator('.hljs-keyword').first().boundingBox(),
    ]);
    expect(text!.x - pre!.x).toBeGreaterThan(gutter.width);
    // Selecting the whole code (as a reader does before Ctrl+C) selects only the code.
    const selected = await page.evaluate(() => {
      const range = document.createRange();
      range.selectNodeContents(document.querySelector('.code-panel code')!);
      const sel = window.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
      return sel.toString();
    });
    expect(selected.trimEnd()).toBe(SOURCE.trimEnd());
  });

  it('scrolls a long line inside the panel, with a visible scrollbar', async () => {
    await page.goto(snapshotUrl('long-line'));
    const m = await page.$eval('.code-panel pre.code', (el) => {
      const pre = el as HTMLElement;
      pre.scrollLeft = 300;
      return {
        scrollWidth: pre.scrollWidth,
        clientWidth: pre.clientWidth,
        scrollLeft: pre.scrollLeft,
        // A classic (not overlay) scrollbar takes room below the content.
        bar: pre.offsetHeight - pre.clientHeight - 2,
        page: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    expect(m.scrollWidth).toBeGreaterThan(m.clientWidth);
    expect(m.scrollLeft).toBeGreaterThan(0);
    expect(m.bar).toBeGreaterThanOrEqual(8);
    // The page itself does not scroll sideways.
    expect(m.page).toBeLessThanOrEqual(0);
  });

  it('copies the code to the clipboard with the Copy button and says so', async () => {
    await page.goto(snapshotUrl('long-line'));
    const button = page.locator('.code-panel .copy');
    await expect.poll(() => button.isVisible()).toBe(true);
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SOURCE);
    await expect.poll(() => button.textContent(), { timeout: 5000 }).toBe('Copy');
  });

  it('falls back without the Clipboard API (copy command, else selected with a hint)', async () => {
    const bare = await context.newPage();
    await bare.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
    });
    await bare.goto(snapshotUrl('long-line'));
    expect(await bare.evaluate(() => typeof navigator.clipboard)).toBe('undefined');
    // The other page (with the Clipboard API, same browser clipboard) reads what was copied.
    await page.goto(snapshotUrl('long-line'));
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    const button = bare.locator('.code-panel .copy');
    await button.click();
    await expect.poll(() => button.textContent()).toMatch(/^(Copied|Press (Ctrl\+C|⌘C))$/);
    if ((await button.textContent()) === 'Copied') {
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SOURCE);
    } else {
      expect(await bare.evaluate(() => window.getSelection()!.toString().trimEnd())).toBe(
        SOURCE.trimEnd(),
      );
    }
    await bare.close();
  });

  it('renders a notebook as cells: markdown, highlighted code, output image; nothing runs', async () => {
    await page.goto(snapshotUrl('sales-notebook'));
    expect(await page.locator('.notebook .cell').count()).toBe(3);
    expect(await page.locator('.notebook .cell.markdown h1').textContent()).toBe('Sales by region');
    expect(await page.locator('.notebook .cell.code').count()).toBe(2);
    expect(await page.locator('.notebook .cell.code .hljs-keyword').count()).toBeGreaterThan(1);
    const img = page.locator('.notebook img.out-image');
    await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(420);
    expect(await page.locator('.notebook .out-note').textContent()).toBe('output not shown (HTML)');
    expect(await page.locator('#evil-html, #df-html').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    // One Copy button per code cell, copying that cell only.
    const copy = page.locator('.notebook .cell.code .copy').nth(1);
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      notebook(Buffer.alloc(0)).cells[2]!.source.join(''),
    );
    // The long line of cell 2 scrolls in its cell, with a scrollbar.
    const scroll = await page.$$eval('.notebook pre.code', (els) =>
      els.map((e) => [
        e.scrollWidth > e.clientWidth,
        (e as HTMLElement).offsetHeight - e.clientHeight > 2,
      ]),
    );
    expect(scroll).toEqual([
      [false, false],
      [true, true],
    ]);
    // A viewport shot, not fullPage: Chromium leaves scrollbars out of full-page captures.
    await page.setViewportSize({ width: 1280, height: 1120 });
    await page.screenshot({ path: join(shots, 'notebook.png') });
    // On a phone the cells fit the width: only the code scrolls sideways, not the page.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await page.screenshot({ path: join(root, 'test-results/screenshots/notebook-phone.png') });
    // The Copy script and the data: images run within the gallery's CSP.
    expect(cspErrors).toEqual([]);
  });
});
