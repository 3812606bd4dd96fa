/**
 * End to end: `snapshotplot compare` (the built bin) against a real server, in a temp repository
 * whose feature branch changed one of two plots published on main. Needs the server's
 * comparisons (compare-server); the usage errors are checked before any request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComparisonSchema } from '@snapshotplot/api-client';
import { testPng } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, setupE2e } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

/** A 16×16 RGB PNG of one colour with the pixel at (x, x) red for each x in `dots`. */
const png = (rgb: [number, number, number], dots: number[] = []) =>
  testPng(16, 16, (x, y) => (x === y && dots.includes(x) ? [255, 0, 0] : rgb));

let e: E2e;
const cli = (args: string[]) => runCli(['compare', ...args], { cwd: e.repo.dir, env: e.env() });

beforeAll(async () => {
  e = await setupE2e();
  const publish = async (title: string, plot: Buffer) => {
    writeFileSync(join(e.repo.dir, 'p.png'), plot);
    const r = await runCli(['publish', '--title', title, '--plot', 'p.png'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    expect(r.code, r.stderr).toBe(0);
  };
  e.repo.git('checkout', '--quiet', 'main');
  await publish('Loss', png([255, 255, 255]));
  await publish('Same', png([0, 0, 255]));
  e.repo.git('checkout', '--quiet', 'feature/loss-curve');
  await publish('Loss', png([255, 255, 255], [2, 9]));
  await publish('Same', png([0, 0, 255]));
});
afterAll(async () => {
  await e?.teardown();
});

describe('snapshotplot compare (built bin)', () => {
  it('prints the table of the head against the merge base', async () => {
    const r = await cli(['--base', 'main']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 plot changed, 1 unchanged');
    expect(r.stdout).toMatch(/^changed\s+-\s+Loss\s/m);
    expect(r.stdout).toMatch(/^unchanged\s+-\s+Same/m);
    expect(r.stdout).toContain(
      `Head ${e.repo.commits[1]!.slice(0, 12)} against ${e.repo.commits[0]!.slice(0, 12)} (merge base)`,
    );
  });

  it('--json prints the Comparison of the contract, nothing else', async () => {
    const r = await cli(['--base', 'main', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const c = ComparisonSchema.parse(JSON.parse(lines[0]!));
    expect(c).toMatchObject({
      head_sha: e.repo.commits[1],
      base_sha: e.repo.commits[0],
      base_branch: 'main',
      complete: true,
      summary: { changed: 1, unchanged: 1, new: 0, removed: 0 },
    });
  });

  it('--fail-on-change exits 5 on the unapproved change', async () => {
    const r = await cli(['--base', 'main', '--fail-on-change']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('1 plot change is not approved');
    expect(r.stdout).toContain('1 plot changed');
  });

  it('bad input exits 2 before any request, naming the fix', async () => {
    const unknown = await cli(['--base', 'no-such-branch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('git does not know the base "no-such-branch"');
    const head = await cli(['--base', 'main', '--head', 'not-a-sha']);
    expect(head.code).toBe(2);
    expect(head.stderr).toContain('--head "not-a-sha" is not a commit id');
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("required option '--base <ref>' not specified");
    const pr = await cli(['--base', 'main', '--pr', '0']);
    expect(pr.code).toBe(2);
    expect(pr.stderr).toContain('--pr');
    for (const r of [unknown, head, none, pr]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
