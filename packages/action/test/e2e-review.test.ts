/**
 * End to end: the committed dist/index.js against a REAL snapshotplot server (comparisons) and
 * the fake GitHub REST API (reached through GITHUB_API_URL), with real @octokit/webhooks-examples
 * pull_request payloads: a baseline published on the base commit, then the PR's head publishes a
 * changed plot and the action compares, comments (once, then edits) and sets the status.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commentMarker } from '@snapshotplot/core';
import { startTestServer, type TestServer, testPng } from 'snapshotplot-server/testing';
import { type FakeGitHub, startFakeGitHub } from 'snapshotplot-server/testing-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePayload, type Payload } from './helpers.js';
import { runBundle } from './runner.js';

/** A w×h RGB PNG, all `rgb`, with the pixels in `dots` red. */
const png = (
  w: number,
  h: number,
  rgb: [number, number, number],
  dots: Array<[number, number]> = [],
) => testPng(w, h, (x, y) => (dots.some(([dx, dy]) => dx === x && dy === y) ? [255, 0, 0] : rgb));

let server: TestServer;
let gh: FakeGitHub;
let workspace = '';
let project = '';
let token = '';
let payload: Payload;
let owner = '';
let repo = '';

beforeAll(async () => {
  server = await startTestServer();
  project = (await server.createProject('review-e2e')).id;
  token = await server.createToken(project, 'publisher');
  gh = await startFakeGitHub();
  workspace = await mkdtemp(join(tmpdir(), 'snapshotplot-review-'));
  await writeFile(join(workspace, 'base.png'), png(40, 30, [255, 255, 255]));
  await writeFile(
    join(workspace, 'head.png'),
    png(
      40,
      30,
      [255, 255, 255],
      [
        [3, 4],
        [10, 20],
      ],
    ),
  );
  await writeFile(join(workspace, 'same.png'), png(20, 20, [0, 0, 255]));
  payload = examplePayload('pull_request', (p) => p.action === 'synchronize');
  owner = payload.repository.owner.login;
  repo = payload.repository.name;
  const base = payload.pull_request.base.sha;
  gh.mergeBases.set(`${base}...${payload.pull_request.head.sha}`, base);
  // The baselines: published by a push to the base branch at the base commit.
  const push = examplePayload('push', (p) => p.ref === 'refs/heads/master');
  push.after = base;
  push.ref = `refs/heads/${payload.pull_request.base.ref}`;
  push.repository = payload.repository;
  for (const [title, plot] of [
    ['Loss curve', 'base.png'],
    ['Unchanged', 'same.png'],
  ]) {
    const r = await runBundle({
      inputs: inputs({ title: title!, plot: plot!, compare: 'false' }),
      eventName: 'push',
      payload: push,
      workspace,
      sha: base,
      ref: push.ref,
      env: { GITHUB_API_URL: gh.url },
    });
    expect(r.code, r.stdout).toBe(0);
  }
});
afterAll(async () => {
  await server?.destroy();
  await gh?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

function inputs(over: Record<string, string> = {}): Record<string, string> {
  return {
    'api-url': server.url,
    token,
    'project-id': project,
    title: 'Loss curve',
    plot: 'head.png',
    collection: '',
    'github-token': gh.token,
    ...over,
  };
}

/** The PR's head publishes its two plots; the second step compares (the default). */
async function prRun(p: Payload, over: Record<string, string> = {}) {
  const common = {
    eventName: 'pull_request',
    payload: p,
    workspace,
    sha: 'e'.repeat(40),
    ref: `refs/pull/${p.number}/merge`,
    env: { GITHUB_API_URL: gh.url },
  };
  const first = await runBundle({
    ...common,
    inputs: inputs({ title: 'Unchanged', plot: 'same.png', compare: 'false' }),
  });
  expect(first.code, first.stdout).toBe(0);
  return runBundle({ ...common, inputs: inputs(over) });
}

const ours = () =>
  gh.comments.filter(
    (c) => c.owner === owner && c.repo === repo && c.body.startsWith(commentMarker(project)),
  );

describe('the action compares on pull requests (bundle, real server, fake GitHub)', () => {
  it('comments once, edits the comment on the second run, sets the status on the head sha', async () => {
    const r = await prRun(payload);
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.changed).toBe('1');
    expect(r.outputs.unchanged).toBe('1');
    expect(r.outputs['comparison-status']).toBe('pending');
    expect(ours()).toHaveLength(1);
    const body = ours()[0]!.body;
    expect(body).toContain('1 plot changed, 1 unchanged');
    expect(body).toContain('Loss curve');
    expect(r.summary).toContain('1 plot changed, 1 unchanged');
    expect(gh.statuses.at(-1)).toMatchObject({
      owner,
      repo,
      sha: payload.pull_request.head.sha,
      context: 'snapshotplot',
      state: 'pending',
    });
    expect(r.stdout).not.toContain('::warning::');

    const again = await prRun(payload);
    expect(again.code, again.stdout).toBe(0);
    expect(ours()).toHaveLength(1);
    expect(gh.calls('createComment')).toHaveLength(1);
    expect(gh.calls('updateComment')).toHaveLength(1);
  });

  it('skips comment and status on a fork PR with a notice', async () => {
    const fork = structuredClone(payload);
    fork.pull_request.head.repo = { ...fork.pull_request.head.repo, full_name: 'someone/fork' };
    const before = gh.requests.length;
    const r = await prRun(fork);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/::notice::.*fork/);
    expect(gh.requests.slice(before).filter((q) => q.route !== 'compare')).toEqual([]);
  });

  it.each([403, 500])('GitHub answering %i does not fail the step', async (status) => {
    gh.fail('listComments', status);
    gh.fail('createStatus', status);
    try {
      const r = await prRun(payload);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain(`::warning::Could not post the snapshotplot comment`);
      expect(r.stdout).toContain(`GitHub answered ${status}`);
    } finally {
      gh.reset();
    }
  });

  it('fail-on-change fails the step on the unapproved change', async () => {
    const r = await prRun(payload, { 'fail-on-change': 'true' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::1 plot change is not approved/);
  });

  it('a step with no plot and no directory only compares (the final job of a matrix)', async () => {
    const before = gh.calls('updateComment').length;
    const r = await runBundle({
      eventName: 'pull_request',
      payload,
      workspace,
      sha: 'e'.repeat(40),
      ref: `refs/pull/${payload.number}/merge`,
      env: { GITHUB_API_URL: gh.url },
      inputs: inputs({ plot: '', title: '' }),
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).not.toContain('Published');
    expect(r.outputs.changed).toBe('1');
    expect(gh.calls('updateComment')).toHaveLength(before + 1);
  });
});
