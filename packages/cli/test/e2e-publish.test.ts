/**
 * End to end: the built bin against a real snapshotplot-server, from a temp git repository on
 * a feature branch with an origin remote. Run `pnpm build` first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  contract,
  type ListSnapshotsResponse,
  pathFor,
  type Snapshot,
} from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, listPath, setupE2e } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

const ESC = '\x1b';

let e: E2e;
beforeAll(async () => {
  e = await setupE2e();
});
afterAll(async () => {
  await e?.teardown();
});

const count = async (collection: string) =>
  (await e.api<ListSnapshotsResponse>(listPath(e.project, { collection, limit: 100 }))).data.length;

describe('snapshotplot publish (built bin, real server)', () => {
  it('publishes plot and code with git-detected repo, commit and branch; --json is pure', async () => {
    const run = await runCli(
      [
        'publish',
        '--title',
        'Loss curve',
        '--plot',
        'fig.png',
        '--code',
        'make_fig.py',
        '--collection',
        'e2e-git',
        '--tag',
        'ml',
        '--tag',
        'demo,nightly',
        '--author',
        'Alice',
        '--json',
      ],
      { cwd: e.repo.dir, env: e.env() },
    );
    expect(run.stderr).toContain('Publishing "Loss curve"');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(out).toMatchObject({
      status: 'ready',
      uploaded: true,
      snapshot_id: expect.stringMatching(/^snap_/),
    });
    // The snapshot's gallery page (web_url), which the server gives for every snapshot.
    expect(out.url).toMatch(
      new RegExp(`^${e.server.url}/projects/[A-Za-z0-9_-]+/snapshots/${out.snapshot_id}$`),
    );
    expect(out.plot_url).toMatch(/^http/);
    expect(out.code_url).toMatch(/^http/);

    const stored = await e.api<Snapshot>(pathFor(contract.getSnapshot, { id: out.snapshot_id }));
    expect(stored).toMatchObject({
      title: 'Loss curve',
      collection: 'e2e-git',
      author: 'Alice',
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: e.repo.commits[1],
      branch: 'feature/loss-curve',
      pr_number: null,
      ci: null,
      status: 'ready',
    });
    expect([...stored.tags].sort()).toEqual(['demo', 'ml', 'nightly']);
    expect(stored.files.plot).toMatchObject({ content_type: 'image/png', size: 70 });
    expect(stored.files.code).toMatchObject({ content_type: 'text/x-python' });
    console.info(`e2e publish (plot + code, spawn to exit): ${run.ms.toFixed(0)} ms`);
  });

  it('takes commit, branch, PR and CI fields from a recorded GitHub pull_request run', async () => {
    const head = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const eventPath = join(e.repo.dir, '..', `event-${process.pid}.json`);
    writeFileSync(
      eventPath,
      JSON.stringify({
        number: 42,
        pull_request: { number: 42, head: { sha: head, ref: 'feature/from-pr' } },
      }),
    );
    const github = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
      GITHUB_REF: 'refs/pull/42/merge',
      GITHUB_HEAD_REF: 'feature/from-pr',
      GITHUB_REPOSITORY: 'octo-org/plots',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '123456',
      GITHUB_RUN_ATTEMPT: '3',
      GITHUB_WORKFLOW: 'Figures',
    };
    const run = await runCli(
      ['publish', '--title', 'PR plot', '--plot', 'fig.png', '--collection', 'e2e-gh', '--json'],
      {
        cwd: e.repo.dir,
        env: e.env(github),
      },
    );
    expect(run.stderr).not.toContain(`${ESC}[`); // CI=true: plain lines, no escape codes
    expect(run.code).toBe(0);
    const stored = await e.api<Snapshot>(
      pathFor(contract.getSnapshot, { id: JSON.parse(run.stdout).snapshot_id }),
    );
    expect(stored).toMatchObject({
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: head,
      branch: 'feature/from-pr',
      pr_number: 42,
      ci: {
        provider: 'github-actions',
        run_id: '123456',
        run_attempt: 3,
        job_url: 'https://github.com/octo-org/plots/actions/runs/123456/attempts/3',
        workflow: 'Figures',
        event: 'pull_request',
      },
    });
  });

  it('prints a result line with the URL for people and lets flags win over the environment', async () => {
    const run = await runCli(
      [
        'publish',
        '--title',
        'Flags',
        '--plot',
        'fig.png',
        '--collection',
        'e2e-flags',
        '--branch',
        'flag-branch',
        '--token',
        e.token,
      ],
      {
        cwd: e.repo.dir,
        env: e.env({ SNAPSHOTPLOT_TOKEN: 'spt_wrong_token_from_env' }),
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^✓ Published "Flags": ${e.server.url}/projects/\\S+/snapshots/snap_\\S+\\n$`),
    );
    const list = await e.api<ListSnapshotsResponse>(
      listPath(e.project, { collection: 'e2e-flags' }),
    );
    expect(list.data[0]?.branch).toBe('flag-branch');
  });

  it('exits 3 with a hint about the token on a bad token, and prints nothing on stdout', async () => {
    const run = await runCli(
      ['publish', '--title', 'Bad', '--plot', 'fig.png', '--collection', 'e2e-bad', '--json'],
      {
        cwd: e.repo.dir,
        env: e.env({ SNAPSHOTPLOT_TOKEN: 'spt_not_a_real_token' }),
      },
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/error: Authentication failed: .*--token or SNAPSHOTPLOT_TOKEN/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await count('e2e-bad')).toBe(0);
  });

  it('exits 3 naming the project when the token belongs to another project', async () => {
    const other = await e.server.createProject('Other');
    const otherToken = await e.server.createToken(other.id, 'publisher');
    const run = await runCli(
      ['publish', '--title', 'Elsewhere', '--plot', 'fig.png', '--collection', 'e2e-403'],
      {
        cwd: e.repo.dir,
        env: e.env({ SNAPSHOTPLOT_TOKEN: otherToken }),
      },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(e.project);
    expect(await count('e2e-403')).toBe(0);
  });

  it('exits 2 naming a missing file before any request', async () => {
    // Nothing listens on this URL: a request would end in exit 4, not 2.
    const run = await runCli(
      [
        'publish',
        '--title',
        'Missing',
        '--plot',
        'nope/missing.png',
        '--api-url',
        'http://127.0.0.1:9',
      ],
      {
        cwd: e.repo.dir,
        env: e.env(),
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing.png');
    expect(run.stdout).toBe('');
  });

  it('exits 2 naming the flag and variable when the token is missing', async () => {
    const run = await runCli(['publish', '--title', 'No token', '--plot', 'fig.png'], {
      cwd: e.repo.dir,
      env: { SNAPSHOTPLOT_API_URL: e.server.url, SNAPSHOTPLOT_PROJECT: e.project },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--token TOKEN or set SNAPSHOTPLOT_TOKEN');
  });

  it('--dry-run prints the exact request and sends nothing, without a token', async () => {
    const run = await runCli(
      [
        'publish',
        '--title',
        'Dry',
        '--plot',
        'fig.png',
        '--code',
        'make_fig.py',
        '--collection',
        'e2e-dry',
        '--dry-run',
      ],
      {
        cwd: e.repo.dir,
        env: { SNAPSHOTPLOT_PROJECT: e.project },
      },
    );
    expect(run.code).toBe(0);
    const preview = JSON.parse(run.stdout);
    expect(preview).toMatchObject({
      dry_run: true,
      method: 'POST',
      idempotency_key: expect.any(String),
      body: {
        project_id: e.project,
        title: 'Dry',
        collection: 'e2e-dry',
        commit_sha: e.repo.commits[1],
        branch: 'feature/loss-curve',
        repo_owner: 'octo-org',
        artifacts: { plot: true, code: true },
        checksums: {
          plot: expect.stringMatching(/^[a-f0-9]{64}$/),
          code: expect.stringMatching(/^[a-f0-9]{64}$/),
        },
      },
    });
    expect(preview.uploads.map((u: { kind: string }) => u.kind)).toEqual(['plot', 'code']);
    expect(await count('e2e-dry')).toBe(0);
  });

  it('exits 4 when the server cannot be reached', async () => {
    const run = await runCli(
      ['publish', '--title', 'Down', '--plot', 'fig.png', '--api-url', 'http://127.0.0.1:9'],
      {
        cwd: e.repo.dir,
        env: e.env({ SNAPSHOTPLOT_RETRIES: '0' }),
      },
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/error: .*SNAPSHOTPLOT_API_URL/);
  });
});

describe('snapshotplot --version (built bin)', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const run = await runCli(['--version'], { cwd: e.repo.dir });
    expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('snapshotplot list and show (built bin, real server)', () => {
  it('lists as a table and as JSON, and shows one snapshot', async () => {
    await runCli(
      ['publish', '--title', 'Listed', '--plot', 'fig.png', '--collection', 'e2e-list'],
      { cwd: e.repo.dir, env: e.env() },
    );
    const table = await runCli(['list', '--collection', 'e2e-list'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+TITLE\s+COLLECTION\s+BRANCH\s+COMMIT/);
    expect(table.stdout).toMatch(
      /snap_\S+\s+Listed\s+e2e-list\s+feature\/loss-curve\s+[0-9a-f]{7}/,
    );

    const json = await runCli(['list', '--collection', 'e2e-list', '--json'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    const { data } = JSON.parse(json.stdout) as ListSnapshotsResponse;
    expect(data.map((s) => s.title)).toEqual(['Listed']);

    const show = await runCli(['show', data[0]!.id], { cwd: e.repo.dir, env: e.env() });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Title:\s+Listed/);
    expect(show.stdout).toMatch(/Branch:\s+feature\/loss-curve/);
    const showJson = await runCli(['show', data[0]!.id, '--json'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    expect(JSON.parse(showJson.stdout)).toMatchObject({ id: data[0]!.id, title: 'Listed' });

    const missing = await runCli(['show', 'snap_doesnotexist'], { cwd: e.repo.dir, env: e.env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .+/);
  });
});
