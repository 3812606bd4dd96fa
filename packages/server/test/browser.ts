/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (browsers cannot be
 * downloaded here), and where screenshots go — docs/screenshots with
 * SNAPSHOTPLOT_UPDATE_SCREENSHOTS=1 (`pnpm screenshots`), else test-results/screenshots.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const shots = join(
  root,
  process.env.SNAPSHOTPLOT_UPDATE_SCREENSHOTS ? 'docs/screenshots' : 'test-results/screenshots',
);
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Fails with the fix when Chromium is missing; makes the screenshot folder. */
export async function requireChromium(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does).`);
  }
  await mkdir(shots, { recursive: true });
}

/** `showScrollbars`: headless Chromium hides them unless told not to (playwright passes --hide-scrollbars). */
export const launchChromium = (o: { showScrollbars?: boolean } = {}): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ARGS,
    ...(o.showScrollbars ? { ignoreDefaultArgs: ['--hide-scrollbars'] } : {}),
  });
