/**
 * The GitHub side of review(): the comment, the status and the merge base, spoken over HTTP to
 * the fake GitHub API (snapshotplot-server/testing-github) through octokit, with real
 * @octokit/webhooks-examples payloads. The snapshotplot side is a client whose compare()
 * answers a schema-checked Comparison and records what it was asked; the action against a real
 * server is e2e-review.test.ts.
 */
import {
  ApiError,
  type CompareRequest,
  type Comparison,
  ComparisonSchema,
  type SnapshotplotClient,
} from '@snapshotplot/api-client';
import { commentMarker } from '@snapshotplot/core';
import { type FakeGitHub, startFakeGitHub } from 'snapshotplot-server/testing-github';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseReviewInputs, type ReviewInputs, review } from '../src/review.js';
import { contextFor, examplePayload, type Payload, recordingCore } from './helpers.js';

const PROJECT = 'prj_0123456789abcdef';

function comparisonFor(req: CompareRequest, changed: number, approved = 0): Comparison {
  const snap = (title: string, sha: string) => ({
    id: `snp_${title.padEnd(16, 'x')}`,
    project_id: PROJECT,
    collection_id: null,
    collection: null,
    title,
    author: null,
    description: null,
    tags: [],
    repo_owner: null,
    repo_name: null,
    commit_sha: sha,
    branch: null,
    pr_number: null,
    ci: null,
    status: 'ready',
    artifacts: { plot: true, code: false },
    files: { plot: null, code: null },
    plot_url: `https://plots.example.com/f/${title}.png`,
    code_url: null,
    supersedes: null,
    created_at: '2026-12-02T10:00:00.000Z',
    finalized_at: '2026-12-02T10:00:00.000Z',
  });
  const items = Array.from({ length: changed }, (_, k) => ({
    collection: null,
    title: `plot${k}`,
    state: 'changed',
    head: snap(`plot${k}`, req.head),
    base: snap(`base${k}`, req.base ?? 'b'.repeat(40)),
    baseline_rule: req.base ? 'merge_base' : 'base_branch',
    diff: null,
    code_changed: null,
    needs_review: true,
    review:
      k < approved
        ? { decision: 'approved', reviewer: 'ada', created_at: '2026-12-02T11:00:00.000Z' }
        : null,
  }));
  const open = changed - approved;
  return ComparisonSchema.parse({
    project_id: PROJECT,
    head_sha: req.head,
    base_sha: req.base ?? null,
    base_branch: req.base_branch ?? 'main',
    pr_number: req.pr_number ?? null,
    complete: true,
    status: open > 0 ? 'pending' : 'success',
    description: `${changed} changed`,
    summary: {
      changed,
      new: 0,
      removed: 0,
      unchanged: 0,
      approved,
      changes_requested: 0,
      unreviewed: open,
    },
    items,
    review_url: 'https://plots.example.com/review/1',
  });
}

function client(changed: () => number) {
  const asked: CompareRequest[] = [];
  const c = {
    asked,
    async compare(_project: string, req: CompareRequest) {
      asked.push(req);
      return comparisonFor(req, changed());
    },
  };
  return c as unknown as SnapshotplotClient & { asked: CompareRequest[] };
}

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await startFakeGitHub();
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.reset();
  gh.requests.length = 0;
  gh.comments.length = 0;
  gh.statuses.length = 0;
});

const inputs = (over: Partial<ReviewInputs> = {}): ReviewInputs => ({
  ...parseReviewInputs({}),
  githubToken: gh.token,
  ...over,
});
const pr = () => examplePayload('pull_request', (p) => p.action === 'synchronize');
const env = () => ({ GITHUB_API_URL: gh.url });

async function go(payload: Payload, i: ReviewInputs, changed = 2, event = 'pull_request') {
  const core = recordingCore();
  const c = client(() => changed);
  const summaries: string[] = [];
  const result = await review({
    env: env(),
    context: contextFor(event, payload),
    inputs: i,
    projectId: PROJECT,
    client: c,
    core,
    addSummary: async (md) => void summaries.push(md),
  });
  return { core, c, result, summaries };
}

describe('review() and the GitHub API', () => {
  it('sends the merge base from GitHub, comments once, edits on the second run, sets the status', async () => {
    const p = pr();
    const { owner, name } = { owner: p.repository.owner.login, name: p.repository.name };
    gh.mergeBases.set(`${p.pull_request.base.sha}...${p.pull_request.head.sha}`, 'd'.repeat(40));
    // Someone else's comments first, more than one page of them.
    for (let k = 0; k < 120; k++) gh.addComment(owner, name, p.number, `chatter ${k}`);

    const first = await go(p, inputs());
    expect(first.core.warnings).toEqual([]);
    expect(first.c.asked).toEqual([
      {
        head: p.pull_request.head.sha,
        base: 'd'.repeat(40),
        base_branch: p.pull_request.base.ref,
        pr_number: p.number,
      },
    ]);
    const ours = gh.comments.filter((c) => c.body.startsWith(commentMarker(PROJECT)));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('2 plots changed');
    expect(first.summaries[0]).toBe(ours[0]!.body);
    expect(gh.statuses).toEqual([
      expect.objectContaining({
        owner,
        repo: name,
        sha: p.pull_request.head.sha,
        state: 'pending',
        context: 'snapshotplot',
        target_url: 'https://plots.example.com/review/1',
      }),
    ]);
    expect(first.core.outputs).toMatchObject({
      changed: '2',
      'comparison-status': 'pending',
      'review-url': 'https://plots.example.com/review/1',
    });
    expect(first.result.failure).toBeUndefined();
    // Every request carried the token.
    expect(gh.requests.every((r) => r.authorization === `token ${gh.token}`)).toBe(true);

    const second = await go(p, inputs(), 0);
    expect(second.core.warnings).toEqual([]);
    const after = gh.comments.filter((c) => c.body.startsWith(commentMarker(PROJECT)));
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(ours[0]!.id);
    expect(after[0]!.body).toContain('No plots to compare');
    expect(gh.calls('updateComment')).toHaveLength(1);
    expect(gh.calls('createComment')).toHaveLength(1);
    // The lookup read past the first page.
    expect(gh.calls('listComments').length).toBeGreaterThanOrEqual(4);
    expect(gh.statuses.at(-1)).toMatchObject({ state: 'success' });
  });

  it('falls back to the PR base sha when GitHub cannot compare', async () => {
    const p = pr();
    gh.fail('compare', 500);
    const { c, core } = await go(p, inputs());
    expect(c.asked[0]!.base).toBe(p.pull_request.base.sha);
    expect(core.infos.join('\n')).toContain('Could not get the merge base from GitHub');
    expect(core.warnings).toEqual([]);
  });

  it.each([403, 500])('GitHub answering %i is a warning, not a failure', async (status) => {
    gh.fail('createComment', status);
    gh.fail('listComments', status);
    gh.fail('createStatus', status);
    const { core, result } = await go(pr(), inputs());
    expect(result.failure).toBeUndefined();
    expect(core.failed).toEqual([]);
    expect(core.warnings).toHaveLength(2);
    expect(core.warnings[0]).toContain(`GitHub answered ${status}`);
    if (status === 403) {
      expect(core.warnings[0]).toContain('pull-requests: write');
      expect(core.warnings[1]).toContain('statuses: write');
    }
    expect(gh.comments).toHaveLength(0);
    expect(gh.statuses).toHaveLength(0);
  });

  it('a wrong token is a warning too', async () => {
    const { core, result } = await go(pr(), inputs({ githubToken: 'ghs_revoked' }));
    expect(result.failure).toBeUndefined();
    expect(core.warnings.join('\n')).toContain('GitHub answered 401');
  });

  it('skips the comment and status on a fork PR with a notice', async () => {
    const p = pr();
    p.pull_request.head.repo = { ...p.pull_request.base.repo, full_name: 'someone/fork' };
    const notices: string[] = [];
    const core = Object.assign(recordingCore(), { notice: (m: string) => notices.push(m) });
    const c = client(() => 1);
    await review({
      env: env(),
      context: contextFor('pull_request', p),
      inputs: inputs(),
      projectId: PROJECT,
      client: c,
      core,
    });
    expect(c.asked).toHaveLength(1);
    expect(notices.join('\n')).toContain('fork');
    expect(notices.join('\n')).toContain('workflow_run');
    expect(gh.calls('createComment')).toHaveLength(0);
    expect(gh.calls('createStatus')).toHaveLength(0);
  });

  it('fail-on-change: unapproved changes give the failure, none give none', async () => {
    const changed = await go(pr(), inputs({ failOnChange: true }), 2);
    expect(changed.result.failure).toContain('2 plot changes are not approved');
    expect(changed.result.failure).toContain('https://plots.example.com/review/1');
    const clean = await go(pr(), inputs({ failOnChange: true }), 0);
    expect(clean.result.failure).toBeUndefined();
  });

  it('comment: false and status: false post nothing; push compares only with base-ref', async () => {
    await go(pr(), inputs({ comment: false, status: false }));
    expect(gh.requests.filter((r) => r.route !== 'compare')).toEqual([]);
    const push = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    const none = await go(push, inputs(), 1, 'push');
    expect(none.c.asked).toEqual([]);
    expect(none.core.infos.join('\n')).toContain('give base-ref');
    const withBase = await go(push, inputs({ baseRef: 'main' }), 1, 'push');
    expect(withBase.c.asked[0]).toMatchObject({ head: 'f'.repeat(40), base_branch: 'main' });
    expect(withBase.c.asked[0]!.pr_number).toBeUndefined();
    expect(gh.calls('createComment')).toHaveLength(0);
    expect(gh.statuses.at(-1)).toMatchObject({ sha: 'f'.repeat(40) });
  });

  it('a server without comparisons (405) is a warning, and nothing is posted', async () => {
    const core = recordingCore();
    const old = {
      async compare() {
        throw new ApiError({
          status: 405,
          code: 'method_not_allowed',
          message: 'POST is not allowed',
        });
      },
    } as unknown as SnapshotplotClient;
    const result = await review({
      env: env(),
      context: contextFor('pull_request', pr()),
      inputs: inputs(),
      projectId: PROJECT,
      client: old,
      core,
    });
    expect(result).toEqual({});
    expect(core.warnings.join('\n')).toContain('compare: false');
    expect(gh.requests.filter((r) => r.route !== 'compare')).toEqual([]);
  });

  it('workflow_run for a fork PR (no pull_requests): PR number given, base read from GitHub, comment and status posted', async () => {
    const run = examplePayload('workflow_run', (p) => p.workflow_run.pull_requests.length > 0);
    run.workflow_run.pull_requests = [];
    const full = run.repository.full_name as string;
    gh.pulls.set(`${full}#77`, { number: 77, base: { sha: 'a'.repeat(40), ref: 'develop' } });
    gh.mergeBases.set(`${'a'.repeat(40)}...${run.workflow_run.head_sha}`, 'c'.repeat(40));
    const core = recordingCore();
    const c = client(() => 1);
    await review({
      env: env(),
      context: contextFor('workflow_run', run),
      inputs: inputs(),
      projectId: PROJECT,
      prNumber: 77,
      client: c,
      core,
    });
    expect(core.warnings).toEqual([]);
    expect(c.asked).toEqual([
      {
        head: run.workflow_run.head_sha,
        base: 'c'.repeat(40),
        base_branch: 'develop',
        pr_number: 77,
      },
    ]);
    expect(gh.comments.filter((x) => x.issue === 77)).toHaveLength(1);
    expect(gh.statuses.at(-1)).toMatchObject({ sha: run.workflow_run.head_sha });
  });
});
