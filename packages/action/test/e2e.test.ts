/**
 * End to end: the committed dist/index.js, spawned as the runner spawns it, against a real
 * snapshotplot-server. Needs `pnpm build` first (the server helper spawns the built bin).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '@snapshotplot/api-client';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePayload, type Payload, PNG } from './helpers.js';
import { runBundle } from './runner.js';

let server: TestServer;
let projectId: string;
let token: string;
let workspace: string;

beforeAll(async () => {
  server = await startTestServer();
  projectId = (await server.createProject('action-e2e')).id;
  token = await server.createToken(projectId, 'publisher');
  workspace = await mkdtemp(join(tmpdir(), 'snapshotplot-ws-'));
  await mkdir(join(workspace, 'plots'));
  await writeFile(join(workspace, 'plots', 'loss.png'), PNG);
  await writeFile(join(workspace, 'plots', 'loss.py'), 'import matplotlib\n');
  await writeFile(
    join(workspace, 'plots', 'accuracy.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><rect width="2" height="2"/></svg>',
  );
});

afterAll(async () => {
  await server?.destroy();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

const inputs = (over: Record<string, string> = {}) => ({
  'api-url': server.url,
  token,
  'project-id': projectId,
  title: 'Loss curve',
  plot: 'plots/loss.png',
  code: 'plots/loss.py',
  tags: 'ml\nnightly',
  collection: 'experiments',
  'fail-on-error': 'true',
  summary: 'true',
  'dry-run': 'false',
  ...over,
});

/** The output after the mask command, which must come before any other line. */
function afterMask(out: string, secret: string): string {
  const [first, ...rest] = out.split('\n');
  expect(first).toBe(`::add-mask::${secret}`);
  return rest.join('\n');
}

async function stored(id: string): Promise<Snapshot> {
  const res = await fetch(`${server.url}/api/snapshots/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Snapshot;
}

describe('dist/index.js as the runner runs it', () => {
  it('pull_request: publishes the PR head with PR number, branch, repo and CI run', async () => {
    const payload = examplePayload('pull_request', (p) => p.action === 'synchronize');
    const pr = payload.pull_request;
    const r = await runBundle({
      inputs: inputs(),
      eventName: 'pull_request',
      payload,
      workspace,
      sha: pr.merge_commit_sha ?? 'd'.repeat(40),
      ref: `refs/pull/${payload.number}/merge`,
    });
    expect(r.code, r.stdout).toBe(0);
    expect(afterMask(r.stdout, token) + r.stderr).not.toContain(token);
    const id = r.outputs['snapshot-id']!;
    expect(id).toMatch(/^snap_/);
    expect(r.outputs['snapshot-url']).toContain(id);
    expect(r.outputs['plot-url']).toMatch(/^http/);
    expect(r.outputs['code-url']).toMatch(/^http/);
    expect(JSON.parse(r.outputs['snapshot-ids']!)).toEqual([id]);

    const s = await stored(id);
    expect(s).toMatchObject({
      status: 'ready',
      title: 'Loss curve',
      collection: 'experiments',
      tags: ['ml', 'nightly'],
      repo_owner: 'Codertocat',
      repo_name: 'Hello-World',
      commit_sha: pr.head.sha,
      branch: pr.head.ref,
      pr_number: payload.number,
      author: 'octocat',
      ci: {
        provider: 'github-actions',
        run_id: '123456789',
        run_attempt: 3,
        workflow: 'Plots',
        event: 'pull_request',
        job_url: 'https://github.com/Codertocat/Hello-World/actions/runs/123456789',
      },
    });
    expect(s.files.plot?.content_type).toBe('image/png');

    expect(r.summary).toContain('Plot snapshot: Loss curve');
    expect(r.summary).toContain(`https://github.com/Codertocat/Hello-World/pull/${payload.number}`);
    expect(r.summary).toContain(`/commit/${pr.head.sha}`);
    // The test server listens on 127.0.0.1, which a browser reading the summary cannot load.
    expect(r.summary).not.toContain('<img');
  });

  it('workflow_run: PR number, head sha and branch from the triggering run', async () => {
    const payload = examplePayload('workflow_run', (p) => p.workflow_run.pull_requests.length > 0);
    const wr = payload.workflow_run;
    const r = await runBundle({
      inputs: inputs({ title: 'From workflow_run' }),
      eventName: 'workflow_run',
      payload,
      workspace,
    });
    expect(r.code, r.stdout).toBe(0);
    const s = await stored(r.outputs['snapshot-id']!);
    expect(s).toMatchObject({
      repo_owner: 'octo-org',
      repo_name: 'octo-repo',
      commit_sha: wr.head_sha,
      branch: wr.head_branch,
      pr_number: wr.pull_requests[0].number,
      ci: { run_id: '123456789', event: 'workflow_run' },
    });
  });

  it('workflow_run from a fork: the PR number comes from SNAPSHOTPLOT_PR_NUMBER', async () => {
    const payload = examplePayload(
      'workflow_run',
      (p) => p.workflow_run.pull_requests.length === 0,
    );
    const r = await runBundle({
      inputs: inputs({ title: 'Fork PR' }),
      eventName: 'workflow_run',
      payload,
      workspace,
      env: { SNAPSHOTPLOT_PR_NUMBER: '314' },
    });
    expect(r.code, r.stdout).toBe(0);
    const s = await stored(r.outputs['snapshot-id']!);
    expect(s).toMatchObject({ pr_number: 314, commit_sha: payload.workflow_run.head_sha });
  });

  const otherEvents: Array<[string, () => Payload, (p: Payload) => Partial<Snapshot>]> = [
    [
      'push',
      () => examplePayload('push', (p) => p.ref === 'refs/heads/master'),
      (p) => ({ commit_sha: p.after, branch: 'master', pr_number: null }),
    ],
    [
      'pull_request_target',
      () => examplePayload('pull_request', (p) => p.action === 'opened'),
      (p) => ({
        commit_sha: p.pull_request.head.sha,
        branch: p.pull_request.head.ref,
        pr_number: p.number,
      }),
    ],
    [
      'merge_group',
      () => examplePayload('merge_group'),
      (p) => ({
        commit_sha: p.merge_group.head_sha,
        branch: p.merge_group.head_ref.slice('refs/heads/'.length),
        pr_number: null,
      }),
    ],
    [
      'workflow_dispatch',
      () => examplePayload('workflow_dispatch', (p) => p.ref),
      (p) => ({ commit_sha: 'e'.repeat(40), branch: p.ref.slice('refs/heads/'.length) }),
    ],
    // Not a webhook, so not in @octokit/webhooks-examples: this is the runner's event file for cron.
    [
      'schedule',
      () => ({ schedule: '0 6 * * *' }),
      () => ({ commit_sha: 'e'.repeat(40), branch: 'main' }),
    ],
  ];

  it.each(otherEvents)(
    '%s: stores the commit, branch and PR of the event',
    async (event, payloadOf, expected) => {
      const payload = payloadOf();
      const ref = event === 'workflow_dispatch' ? payload.ref : 'refs/heads/main';
      const r = await runBundle({
        inputs: inputs({ title: `Event ${event}` }),
        eventName: event,
        payload,
        workspace,
        ref,
      });
      expect(r.code, r.stdout).toBe(0);
      const s = await stored(r.outputs['snapshot-id']!);
      expect(s).toMatchObject({ ...expected(payload), ci: { event, run_id: '123456789' } });
    },
  );

  it('batch: one snapshot per plot file, JSON array outputs, one summary table', async () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    const r = await runBundle({
      inputs: inputs({ title: '', plot: '', code: '', directory: 'plots' }),
      eventName: 'push',
      payload,
      workspace,
      sha: payload.after,
      ref: payload.ref,
    });
    expect(r.code, r.stdout).toBe(0);
    const ids: string[] = JSON.parse(r.outputs['snapshot-ids']!);
    expect(ids).toHaveLength(2);
    expect(JSON.parse(r.outputs['snapshot-urls']!)).toHaveLength(2);
    expect(r.outputs['snapshot-id'] ?? '').toBe('');
    const snaps = await Promise.all(ids.map(stored));
    expect(snaps.map((s) => [s.title, s.branch, s.commit_sha, !!s.code_url])).toEqual([
      ['accuracy', 'master', payload.after, false],
      ['loss', 'master', payload.after, true],
    ]);
    expect(r.summary).toContain('2 of 2 published');
    expect(r.summary.match(/<tr><td>/g)).toHaveLength(2);
  });

  it('fail-on-error true: a bad token is one ::error with a fix and exit 1', async () => {
    const r = await runBundle({
      inputs: inputs({ token: 'spt_not_a_real_token' }),
      eventName: 'push',
      payload: examplePayload('push'),
      workspace,
    });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('HTTP 401');
    expect(errors[0]).toContain('Check the token input');
    expect(afterMask(r.stdout, 'spt_not_a_real_token')).not.toContain('spt_not_a_real_token');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    expect(r.outputs).toEqual({});
  });

  it('fail-on-error false: a warning, exit 0, outputs empty', async () => {
    const r = await runBundle({
      inputs: inputs({ token: 'spt_not_a_real_token', 'fail-on-error': 'false' }),
      eventName: 'push',
      payload: examplePayload('push'),
      workspace,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::warning::.*HTTP 401/m);
    expect(r.stdout).not.toContain('::error');
    expect(r.outputs).toEqual({});
  });
});
