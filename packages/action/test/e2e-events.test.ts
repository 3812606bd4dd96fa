/**
 * End to end: the committed dist/index.js, spawned as the runner spawns it (INPUT_* variables,
 * a real event payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), against a real
 * snapshotplot-server. One test per event type.
 */
import type { Snapshot } from '@snapshotplot/api-client';
import { describe, expect, it } from 'vitest';
import { afterMask, useE2E } from './e2e-setup.js';
import { examplePayload, type Payload } from './helpers.js';
import { runBundle } from './runner.js';

const e2e = useE2E();

describe('dist/index.js per event', () => {
  it('pull_request: publishes the PR head with PR number, branch, repo and CI run', async () => {
    const payload = examplePayload('pull_request', (p) => p.action === 'synchronize');
    const pr = payload.pull_request;
    const r = await runBundle({
      inputs: e2e.inputs(),
      eventName: 'pull_request',
      payload,
      workspace: e2e.workspace(),
      sha: pr.merge_commit_sha ?? 'd'.repeat(40),
      ref: `refs/pull/${payload.number}/merge`,
    });
    expect(r.code, r.stdout).toBe(0);
    expect(afterMask(r.stdout, e2e.token()) + r.stderr).not.toContain(e2e.token());
    const id = r.outputs['snapshot-id']!;
    expect(id).toMatch(/^snap_/);
    expect(r.outputs['snapshot-url']).toContain(id);
    expect(r.outputs['plot-url']).toMatch(/^http/);
    expect(r.outputs['code-url']).toMatch(/^http/);
    expect(JSON.parse(r.outputs['snapshot-ids']!)).toEqual([id]);

    const s = await e2e.stored(id);
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
        // Attempt 3 is a re-run: its own attempt page.
        job_url: 'https://github.com/Codertocat/Hello-World/actions/runs/123456789/attempts/3',
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
      inputs: e2e.inputs({ title: 'From workflow_run' }),
      eventName: 'workflow_run',
      payload,
      workspace: e2e.workspace(),
    });
    expect(r.code, r.stdout).toBe(0);
    const s = await e2e.stored(r.outputs['snapshot-id']!);
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
      inputs: e2e.inputs({ title: 'Fork PR' }),
      eventName: 'workflow_run',
      payload,
      workspace: e2e.workspace(),
      env: { SNAPSHOTPLOT_PR_NUMBER: '314' },
    });
    expect(r.code, r.stdout).toBe(0);
    const s = await e2e.stored(r.outputs['snapshot-id']!);
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
        // The base branch and the queued PR, not the temporary gh-readonly-queue/main/pr-104-<sha>.
        branch: 'main',
        pr_number: 104,
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
        inputs: e2e.inputs({ title: `Event ${event}` }),
        eventName: event,
        payload,
        workspace: e2e.workspace(),
        ref,
      });
      expect(r.code, r.stdout).toBe(0);
      const s = await e2e.stored(r.outputs['snapshot-id']!);
      expect(s).toMatchObject({ ...expected(payload), ci: { event, run_id: '123456789' } });
    },
  );
});
