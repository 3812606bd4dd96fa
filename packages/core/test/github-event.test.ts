import { createRequire } from 'node:module';
import { githubEventFields } from '@snapshotplot/core';
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: webhook example payloads are untyped JSON.
type Payload = Record<string, any>;
const definitions: Array<{ name: string; examples: Payload[] }> = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
);

/** The first real example payload of an event that satisfies `pick`. */
function example(event: string, pick: (p: Payload) => boolean = () => true): Payload {
  const found = definitions.find((d) => d.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}`);
  return structuredClone(found);
}

const RUN_ENV = {
  GITHUB_REPOSITORY: 'Codertocat/Hello-World',
  GITHUB_RUN_ID: '9001',
  GITHUB_RUN_ATTEMPT: '1',
};

describe('githubEventFields with real webhook payloads', () => {
  it.each(['pull_request', 'pull_request_target'])(
    '%s: the PR head sha, head ref and number, never the merge commit',
    (event) => {
      const p = example('pull_request', (x) => x.pull_request.merge_commit_sha);
      const merge = p.pull_request.merge_commit_sha;
      const f = githubEventFields(event, p, {
        GITHUB_SHA: merge,
        GITHUB_REF: `refs/pull/${p.number}/merge`,
      });
      expect(f).toMatchObject({
        event,
        commit_sha: p.pull_request.head.sha,
        branch: p.pull_request.head.ref,
        pr_number: p.number,
      });
      expect(f.commit_sha).not.toBe(merge);
    },
  );

  it('merge_group: queue head sha, the base branch and the queued PR from head_ref', () => {
    const p = example('merge_group');
    expect(p.merge_group.head_ref).toMatch(/gh-readonly-queue\/main\/pr-104-/);
    const f = githubEventFields('merge_group', p, { GITHUB_REF: p.merge_group.head_ref });
    expect(f).toMatchObject({ commit_sha: p.merge_group.head_sha, branch: 'main', pr_number: 104 });
  });

  it('workflow_run: the run head and its PR; the run page of the source run', () => {
    const p = example('workflow_run', (x) => x.workflow_run.pull_requests.length > 0);
    const wr = p.workflow_run;
    const f = githubEventFields('workflow_run', p, { GITHUB_SHA: 'f'.repeat(40) });
    expect(f).toMatchObject({
      commit_sha: wr.head_sha,
      branch: wr.head_branch,
      pr_number: wr.pull_requests[0].number,
      source_run_url: wr.html_url,
    });
  });

  it('workflow_run: prefers the listed PR whose head is the run head', () => {
    const p = example('workflow_run', (x) => x.workflow_run.pull_requests.length > 0);
    const other = structuredClone(p.workflow_run.pull_requests[0]);
    p.workflow_run.pull_requests.push({
      ...other,
      number: 55,
      head: { ...other.head, sha: p.workflow_run.head_sha },
    });
    expect(githubEventFields('workflow_run', p, {}).pr_number).toBe(55);
  });

  it('workflow_run from a fork (no PRs listed) takes SNAPSHOTPLOT_PR_NUMBER, validated', () => {
    const p = example('workflow_run', (x) => x.workflow_run.pull_requests.length === 0);
    const pr = (v?: string) =>
      githubEventFields('workflow_run', p, { SNAPSHOTPLOT_PR_NUMBER: v }).pr_number;
    expect(pr()).toBeUndefined();
    expect(pr('77')).toBe(77);
    expect(pr('7; rm -rf')).toBeUndefined();
    expect(pr('0')).toBeUndefined();
  });

  it('push: payload.after and the pushed branch', () => {
    const p = example('push', (x) => x.ref === 'refs/heads/master');
    const f = githubEventFields('push', p, { GITHUB_SHA: 'a'.repeat(40) });
    expect(f).toMatchObject({ commit_sha: p.after, branch: 'master' });
  });

  it('push deleting a tag: no all-zero commit (GITHUB_SHA instead) and no branch', () => {
    const p = example('push', (x) => x.deleted === true);
    expect(p.after).toMatch(/^0+$/);
    const f = githubEventFields('push', p, { GITHUB_SHA: 'ABCDEF1234567', GITHUB_REF: p.ref });
    expect(f.commit_sha).toBe('abcdef1234567');
    expect(f.branch).toBeUndefined();
  });

  it('workflow_dispatch: GITHUB_SHA and the dispatched branch', () => {
    const p = example('workflow_dispatch', (x) => x.ref);
    const f = githubEventFields('workflow_dispatch', p, { GITHUB_SHA: 'b'.repeat(40) });
    expect(f).toMatchObject({
      commit_sha: 'b'.repeat(40),
      branch: p.ref.slice('refs/heads/'.length),
    });
    expect(f.pr_number).toBeUndefined();
  });
});

describe('githubEventFields from the environment', () => {
  it('a commit that is not hex is dropped, from the payload or GITHUB_SHA', () => {
    const p = example('pull_request');
    p.pull_request.head.sha = 'HEAD';
    expect(githubEventFields('pull_request', p, { GITHUB_SHA: 'c'.repeat(40) }).commit_sha).toBe(
      'c'.repeat(40),
    );
    expect(githubEventFields('schedule', {}, { GITHUB_SHA: 'main' }).commit_sha).toBeUndefined();
  });

  it('branch: GITHUB_HEAD_REF, then GITHUB_REF unless it is a tag', () => {
    expect(githubEventFields('schedule', {}, { GITHUB_REF: 'refs/heads/main' }).branch).toBe(
      'main',
    );
    expect(
      githubEventFields('issue_comment', {}, { GITHUB_HEAD_REF: 'feat', GITHUB_REF: 'refs/x' })
        .branch,
    ).toBe('feat');
    const tag = { GITHUB_REF: 'refs/tags/v1', GITHUB_REF_TYPE: 'tag' };
    expect(githubEventFields('release', {}, tag).branch).toBeUndefined();
    expect(githubEventFields('schedule', {}, { GITHUB_REF: 'refs/pull/2/merge' }).branch).toBe(
      undefined,
    );
  });

  it('job_url is the run page, with /attempts/N only on a re-run', () => {
    expect(githubEventFields('push', {}, RUN_ENV)).toMatchObject({
      run_id: '9001',
      run_attempt: 1,
      job_url: 'https://github.com/Codertocat/Hello-World/actions/runs/9001',
    });
    const rerun = { ...RUN_ENV, GITHUB_RUN_ATTEMPT: '3', GITHUB_SERVER_URL: 'https://ghe.io/' };
    expect(githubEventFields('push', {}, rerun).job_url).toBe(
      'https://ghe.io/Codertocat/Hello-World/actions/runs/9001/attempts/3',
    );
    const bad = { ...RUN_ENV, GITHUB_SERVER_URL: 'javascript:alert(1)' };
    expect(githubEventFields('push', {}, bad).job_url).toBeUndefined();
  });

  it('the event name falls back to GITHUB_EVENT_NAME; junk payloads give env values only', () => {
    const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_SHA: 'd'.repeat(40) };
    expect(githubEventFields(undefined, 'not an object', env)).toEqual({
      event: 'pull_request',
      commit_sha: 'd'.repeat(40),
    });
    expect(githubEventFields('merge_group', null, {})).toEqual({ event: 'merge_group' });
  });
});
