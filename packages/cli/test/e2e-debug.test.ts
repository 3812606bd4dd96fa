/**
 * `publish --debug` against a real server (the built bin; run `pnpm build` first): one stderr
 * line of timings per request (connect, first byte, total), stdout untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, setupE2e } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

let e: E2e;
beforeAll(async () => {
  e = await setupE2e();
});
afterAll(async () => {
  await e?.teardown();
});

const TIMING =
  /^debug: (GET|POST|PUT|DELETE) (\S+) (\d{3}): (connect \d+\.\d ms|connection reused), first byte (\d+\.\d) ms, total (\d+\.\d) ms$/;

const publish = (title: string, extra: string[]) =>
  runCli(
    ['publish', '--title', title, '--plot', 'fig.png', '--code', 'make_fig.py', '--json', ...extra],
    {
      cwd: e.repo.dir,
      env: e.env(),
    },
  );

describe('publish --debug', () => {
  it('prints one timing line per request on stderr; stdout stays the JSON result', async () => {
    const run = await publish('Debug timings', ['--debug']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ status: 'ready' });
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('debug: '));
    const parsed = lines.map((l) => {
      const m = TIMING.exec(l);
      expect(m, l).not.toBeNull();
      return {
        method: m![1]!,
        target: m![2]!,
        status: Number(m![3]),
        connect: m![4]!,
        ttfb: Number(m![5]),
        total: Number(m![6]),
      };
    });
    // Whichever flow the CLI picks, the publish is one of the requests and every one succeeded.
    expect(
      parsed.some((p) => p.method === 'POST' && p.target.endsWith('/api/snapshots/publish')),
    ).toBe(true);
    for (const p of parsed) {
      expect(p.status).toBeGreaterThanOrEqual(200);
      expect(p.status).toBeLessThan(300);
      expect(p.total).toBeGreaterThanOrEqual(p.ttfb);
      // Upload tokens never reach the log.
      expect(p.target).not.toContain('token=');
    }
    // A new process has no connection to reuse: its first request connects.
    expect(parsed[0]!.connect).toMatch(/^connect /);
  });

  it('prints no timing lines without --debug', async () => {
    const run = await publish('No debug', []);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('debug: ');
  });
});
