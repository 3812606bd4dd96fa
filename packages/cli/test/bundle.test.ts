/**
 * The built bundle (dist/), as users run it: zod's locales other than English are left out
 * (scripts/bundle.mjs), and zod's own messages still come out, in English.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, runCli } from './helpers/run-cli.js';

const chunks = join(CLI_BIN, '..', 'chunks');
const bundleText = () =>
  readdirSync(chunks)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(chunks, f), 'utf8'))
    .join('\n');

describe('the CLI bundle', () => {
  it("carries zod's English messages and no other locale", () => {
    const text = bundleText();
    expect(text).toContain('Invalid input: expected');
    // From zod's Indonesian and Spanish locales, which `z.locales` would otherwise pull in
    // (esbuild writes non-ASCII characters escaped, so these are ASCII on purpose).
    expect(text).not.toContain('Input tidak valid');
    expect(text).not.toContain('Entrada inv');
  });

  it("reports a setting that fails one of zod's own checks in English", async () => {
    const r = await runCli(['list', '--project', 'proj_1'], {
      cwd: process.cwd(),
      env: { SNAPSHOTPLOT_RETRIES: 'abc' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Invalid SNAPSHOTPLOT_RETRIES: Invalid input: expected number, received NaN.\n',
    );
  });
});
