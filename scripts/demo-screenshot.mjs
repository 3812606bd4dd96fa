#!/usr/bin/env node
// The README's top image: runs the demo (scripts/demo.mjs) on a fresh temporary data dir, opens
// its printed sign-in link and then the gallery in Chromium (playwright-core, the server's
// browser-test dependency), waits for every thumbnail, saves docs/screenshots/demo-grid.png and
// stops the demo. `pnpm demo:screenshot` (builds first, like `pnpm demo`).
// CHROMIUM overrides the browser path (default /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { chromium } = createRequire(join(root, 'packages/server/package.json'))('playwright-core');
const out = join(root, 'docs/screenshots/demo-grid.png');
const dataDir = await mkdtemp(join(tmpdir(), 'sp-demo-shot-'));
const port = String(20000 + Math.floor(Math.random() * 20000));

const demo = spawn(process.execPath, [join(root, 'scripts/demo.mjs')], {
  env: { ...process.env, SNAPSHOTPLOT_DATA_DIR: dataDir, PORT: port },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const printed = {};
await new Promise((resolve, reject) => {
  demo.on('exit', (code) => reject(new Error(`the demo exited (${code}) before serving`)));
  createInterface({ input: demo.stdout }).on('line', (line) => {
    process.stdout.write(`demo: ${line}\n`);
    const m = /^(Gallery|Sign in):\s+(\S+)/.exec(line);
    if (m) printed[m[1]] = m[2];
    if (line.startsWith('Serving;')) resolve();
  });
});

let browser;
try {
  if (!printed.Gallery || !printed['Sign in']) throw new Error('the demo printed no gallery URL');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(printed['Sign in']);
  await page.goto(printed.Gallery);
  await page.waitForSelector('.grid .card');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.grid img')].every((i) => i.complete && i.naturalWidth > 0),
  );
  await page.screenshot({ path: out });
  console.log(`Saved ${out}`);
} finally {
  await browser?.close();
  demo.removeAllListeners('exit');
  demo.kill('SIGTERM');
  await new Promise((r) => (demo.exitCode !== null ? r() : demo.once('exit', r)));
  await rm(dataDir, { recursive: true, force: true });
}
