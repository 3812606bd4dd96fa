/**
 * End to end: `publish --dir` against a real server, including a run killed mid-batch and a
 * re-run that publishes only what is missing. Run `pnpm build` first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListSnapshotsResponse } from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, listPath, PNG, setupE2e, svg } from './helpers/e2e-setup.js';
import { runCli, spawnCli } from './helpers/run-cli.js';

let e: E2e;
beforeAll(async () => {
  e = await setupE2e();
});
afterAll(async () => {
  await e?.teardown();
});

const list = async (collection: string) =>
  (await e.api<ListSnapshotsResponse>(listPath(e.project, { collection, limit: 100 }))).data;

/** A folder of `n` plots, every other one with a same-stem Python file. */
function figures(name: string, n: number): string {
  const dir = join(e.repo.dir, name);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) {
    const stem = `fig-${String(i).padStart(2, '0')}`;
    if (i % 2) writeFileSync(join(dir, `${stem}.svg`), svg(stem));
    else {
      writeFileSync(join(dir, `${stem}.png`), PNG);
      writeFileSync(join(dir, `${stem}.py`), `# makes ${stem}\n`);
    }
  }
  writeFileSync(join(dir, 'notes.txt'), 'not a plot\n');
  return name;
}

describe('snapshotplot publish --dir (built bin, real server)', () => {
  it('publishes every plot with its code concurrently and prints a JSON array', async () => {
    const dir = figures('batch', 5);
    const run = await runCli(
      ['publish', '--dir', dir, '--collection', 'e2e-batch', '--concurrency', '3', '--json'],
      {
        cwd: e.repo.dir,
        env: e.env(),
      },
    );
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as Array<{
      title: string;
      status: string;
      uploaded: boolean;
      code_url: string | null;
    }>;
    expect(results.map((r) => r.title)).toEqual(['fig-00', 'fig-01', 'fig-02', 'fig-03', 'fig-04']);
    expect(results.every((r) => r.status === 'ready' && r.uploaded)).toBe(true);
    expect(results.map((r) => r.code_url !== null)).toEqual([true, false, true, false, true]);
    const stored = await list('e2e-batch');
    expect(stored).toHaveLength(5);
    expect(
      stored.every((s) => s.commit_sha === e.repo.commits[1] && s.branch === 'feature/loss-curve'),
    ).toBe(true);
  });

  it('after a run killed mid-batch, a re-run publishes only what is missing', async () => {
    const n = 16;
    const dir = figures('crash', n);
    const args = ['publish', '--dir', dir, '--collection', 'e2e-crash', '--concurrency', '1'];
    // Kill the CLI (SIGKILL: no clean-up) once three snapshots are published.
    const first = spawnCli(args, {
      cwd: e.repo.dir,
      env: e.env(),
      onStderr: (all, child) => {
        if ((all.match(/: published \(/g) ?? []).length >= 3) child.kill('SIGKILL');
      },
    });
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const before = await list('e2e-crash');
    const readyBefore = before.filter((s) => s.status === 'ready').length;
    expect(readyBefore).toBeGreaterThanOrEqual(3);
    expect(readyBefore).toBeLessThan(n);

    const rerun = await runCli([...args, '--json'], { cwd: e.repo.dir, env: e.env() });
    expect(rerun.code).toBe(0);
    type Result = { title: string; snapshot_id: string; status: string; uploaded: boolean };
    const results = JSON.parse(rerun.stdout) as Result[];
    expect(results).toHaveLength(n);
    expect(results.every((r) => r.status === 'ready')).toBe(true);
    // What the first run finished is the same snapshot now, and nothing was sent for it again.
    for (const s of before.filter((b) => b.status === 'ready')) {
      expect(results.find((r) => r.title === s.title)).toMatchObject({
        snapshot_id: s.id,
        uploaded: false,
      });
    }
    expect(results.filter((r) => r.uploaded).length).toBe(n - readyBefore);
    const after = await list('e2e-crash');
    expect(after).toHaveLength(n);
    expect(after.every((s) => s.status === 'ready')).toBe(true);
    expect(new Set(after.map((s) => s.title)).size).toBe(n);

    // A third run has nothing left to do.
    const again = await runCli([...args, '--json'], { cwd: e.repo.dir, env: e.env() });
    expect((JSON.parse(again.stdout) as Result[]).some((r) => r.uploaded)).toBe(false);
    expect(again.stderr).toContain(`${n} of ${n} published (0 uploaded, ${n} already there`);
    expect(await list('e2e-crash')).toHaveLength(n);
  });

  it('with a bad token exits 3, stops starting new snapshots and still prints the JSON array', async () => {
    const dir = figures('unauthorized', 3);
    const run = await runCli(
      ['publish', '--dir', dir, '--collection', 'e2e-401', '--concurrency', '1', '--json'],
      {
        cwd: e.repo.dir,
        env: e.env({ SNAPSHOTPLOT_TOKEN: 'spt_not_a_real_token' }),
      },
    );
    expect(run.code).toBe(3);
    const results = JSON.parse(run.stdout) as Array<{ title: string; error?: { code: string } }>;
    expect(results.map((r) => [r.title, r.error?.code])).toEqual([
      ['fig-00', 'invalid_token'],
      ['fig-01', 'not_attempted'],
      ['fig-02', 'not_attempted'],
    ]);
    expect(run.stderr).toMatch(
      /error: 1 of 3 snapshots failed:\n {2}fig-00: Authentication failed/,
    );
    expect(await list('e2e-401')).toHaveLength(0);
  });

  it('--dry-run --dir prints one preview per plot and sends nothing', async () => {
    const dir = figures('dry', 2);
    const run = await runCli(
      ['publish', '--dir', dir, '--collection', 'e2e-dry-dir', '--dry-run'],
      {
        cwd: e.repo.dir,
        env: { SNAPSHOTPLOT_PROJECT: e.project },
      },
    );
    expect(run.code).toBe(0);
    const previews = JSON.parse(run.stdout) as Array<{
      body: { title: string; artifacts: object };
    }>;
    expect(previews.map((p) => [p.body.title, p.body.artifacts])).toEqual([
      ['fig-00', { plot: true, code: true }],
      ['fig-01', { plot: true, code: false }],
    ]);
    expect(await list('e2e-dry-dir')).toHaveLength(0);
  });

  it('exits 2 for a folder without plots and for --dir with --title', async () => {
    mkdirSync(join(e.repo.dir, 'empty'));
    const empty = await runCli(['publish', '--dir', 'empty'], { cwd: e.repo.dir, env: e.env() });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No plot files found in empty');
    const both = await runCli(['publish', '--dir', 'empty', '--title', 'x'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    expect(both.code).toBe(2);
    const missing = await runCli(['publish', '--dir', 'not-there'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not-there');
  });
});
