import { describe, expect, it } from 'vitest';
import { mapContext } from '../src/context.js';
import { contextFor, examplePayload } from './helpers.js';

describe('mapContext with real webhook payloads', () => {
  it('push: the pushed head commit and branch', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    const m = mapContext(contextFor('push', payload, { ref: 'refs/heads/master' }));
    expect(m.git).toMatchObject({
      repo_owner: 'Codertocat',
      repo_name: 'Hello-World',
      commit_sha: payload.after,
      branch: 'master',
      pr_number: undefined,
    });
    expect(m.links.commitUrl).toBe(
      `https://github.com/Codertocat/Hello-World/commit/${payload.after}`,
    );
  });

  it('push of a deleted ref falls back to GITHUB_SHA and has no branch for a tag', () => {
    const payload = examplePayload('push', (p) => p.deleted === true);
    const m = mapContext(contextFor('push', payload, { ref: payload.ref, sha: 'abcdef1234567' }));
    expect(m.git.commit_sha).toBe('abcdef1234567');
    expect(m.git.branch).toBeUndefined();
  });

  it.each(['pull_request', 'pull_request_target'])(
    '%s: the PR head sha and head ref, never the merge commit',
    (event) => {
      const payload = examplePayload('pull_request', (p) => p.pull_request.merge_commit_sha);
      const merge = payload.pull_request.merge_commit_sha;
      const m = mapContext(
        contextFor(event, payload, { sha: merge, ref: `refs/pull/${payload.number}/merge` }),
      );
      expect(m.git.commit_sha).toBe(payload.pull_request.head.sha);
      expect(m.git.commit_sha).not.toBe(merge);
      expect(m.git.branch).toBe(payload.pull_request.head.ref);
      expect(m.git.pr_number).toBe(payload.number);
      expect(m.git.ci.event).toBe(event);
      expect(m.links.prUrl).toBe(
        `https://github.com/Codertocat/Hello-World/pull/${payload.number}`,
      );
    },
  );

  it('workflow_run: PR number, head sha and branch from the triggering run', () => {
    const payload = examplePayload('workflow_run', (p) => p.workflow_run.pull_requests.length > 0);
    const wr = payload.workflow_run;
    const m = mapContext(contextFor('workflow_run', payload, { sha: 'f'.repeat(40) }));
    expect(m.git.commit_sha).toBe(wr.head_sha);
    expect(m.git.branch).toBe(wr.head_branch);
    expect(m.git.pr_number).toBe(wr.pull_requests[0].number);
    expect(m.links.sourceRunUrl).toBe(wr.html_url);
    // The CI fields describe this (publishing) run.
    expect(m.git.ci.run_id).toBe('9001');
  });

  it('workflow_run from a fork (no pull_requests) takes SNAPSHOTPLOT_PR_NUMBER, validated', () => {
    const payload = examplePayload(
      'workflow_run',
      (p) => p.workflow_run.pull_requests.length === 0,
    );
    const ctx = contextFor('workflow_run', payload);
    expect(mapContext(ctx, {}).git.pr_number).toBeUndefined();
    expect(mapContext(ctx, { SNAPSHOTPLOT_PR_NUMBER: '77' }).git.pr_number).toBe(77);
    expect(mapContext(ctx, { SNAPSHOTPLOT_PR_NUMBER: '7; rm -rf' }).git.pr_number).toBeUndefined();
    expect(mapContext(ctx, { SNAPSHOTPLOT_PR_NUMBER: '0' }).git.pr_number).toBeUndefined();
  });

  it('merge_group: the queue head sha on the base branch, with the queued PR', () => {
    const payload = examplePayload('merge_group');
    const m = mapContext(contextFor('merge_group', payload, { ref: payload.merge_group.head_ref }));
    expect(m.git.commit_sha).toBe(payload.merge_group.head_sha);
    // head_ref is the temporary gh-readonly-queue/main/pr-104-<sha> branch.
    expect(m.git.branch).toBe('main');
    expect(m.git.pr_number).toBe(104);
  });

  it('workflow_dispatch: GITHUB_SHA and the dispatched branch', () => {
    const payload = examplePayload('workflow_dispatch', (p) => p.ref);
    // GITHUB_REF is the dispatched ref; the payload carries it too.
    const m = mapContext(
      contextFor('workflow_dispatch', payload, { ref: '', sha: 'a'.repeat(40) }),
    );
    expect(payload.ref).toMatch(/^refs\/heads\/./);
    expect(m.git).toMatchObject({
      commit_sha: 'a'.repeat(40),
      branch: payload.ref.slice('refs/heads/'.length),
      pr_number: undefined,
    });
  });

  it('schedule: GITHUB_SHA and GITHUB_REF of the default branch', () => {
    // @octokit/webhooks-examples has no schedule payload (it is not a webhook); this is the
    // runner's event file for a cron trigger.
    const m = mapContext(
      contextFor(
        'schedule',
        { schedule: '0 6 * * *' },
        { sha: 'b'.repeat(40), ref: 'refs/heads/main' },
      ),
    );
    expect(m.git).toMatchObject({ commit_sha: 'b'.repeat(40), branch: 'main' });
  });

  it('CI metadata: run id, attempt, workflow, event and the run URL', () => {
    const m = mapContext(
      contextFor('push', examplePayload('push'), { serverUrl: 'https://ghe.example.com/' }),
    );
    expect(m.git.ci).toEqual({
      provider: 'github-actions',
      run_id: '9001',
      run_attempt: 2,
      workflow: 'Plots',
      event: 'push',
      // A re-run (attempt 2) links to its own attempt.
      job_url: 'https://ghe.example.com/Codertocat/Hello-World/actions/runs/9001/attempts/2',
    });
    expect(m.job).toBe('publish');
  });

  it('a context without a repository still maps (no repo fields, no links)', () => {
    const ctx = contextFor('push', {});
    Object.defineProperty(ctx, 'repo', {
      get() {
        throw new Error(
          "context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'",
        );
      },
    });
    const m = mapContext(ctx);
    expect(m.git.repo_owner).toBeUndefined();
    expect(m.links.runUrl).toBeUndefined();
  });
});
