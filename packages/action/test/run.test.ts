import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../src/run.js';
import {
  contextFor,
  examplePayload,
  memoryClient,
  type Payload,
  PNG,
  recordingCore,
} from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshotplot-action-'));
  await writeFile(join(dir, 'loss.png'), PNG);
  await writeFile(join(dir, 'loss.py'), 'print("loss")\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const TOKEN = 'spt_secret_value_123';
const baseEnv = () => ({
  'INPUT_API-URL': 'https://plots.example.com',
  INPUT_TOKEN: TOKEN,
  'INPUT_PROJECT-ID': 'proj_1',
  INPUT_PLOT: 'loss.png',
  INPUT_CODE: 'loss.py',
  INPUT_TAGS: 'ml,nightly',
  GITHUB_WORKSPACE: dir,
});

describe('run() per event', () => {
  const cases: Array<[string, () => Payload, (p: Payload) => object]> = [
    [
      'push',
      () => examplePayload('push', (p) => p.ref === 'refs/heads/master'),
      (p) => ({ commit_sha: p.after, branch: 'master' }),
    ],
    [
      'pull_request',
      () => examplePayload('pull_request', (p) => p.action === 'synchronize'),
      (p) => ({
        commit_sha: p.pull_request.head.sha,
        branch: p.pull_request.head.ref,
        pr_number: p.number,
      }),
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
      'workflow_run',
      () => examplePayload('workflow_run', (p) => p.workflow_run.pull_requests.length > 0),
      (p) => ({
        commit_sha: p.workflow_run.head_sha,
        branch: p.workflow_run.head_branch,
        pr_number: p.workflow_run.pull_requests[0].number,
      }),
    ],
    [
      'merge_group',
      () => examplePayload('merge_group'),
      (p) => ({ commit_sha: p.merge_group.head_sha }),
    ],
    [
      'workflow_dispatch',
      () => examplePayload('workflow_dispatch', (p) => p.ref),
      () => ({ commit_sha: 'c'.repeat(40) }),
    ],
    [
      'schedule',
      () => ({ schedule: '0 6 * * *' }),
      () => ({ commit_sha: 'c'.repeat(40), branch: 'main' }),
    ],
  ];

  it.each(cases)(
    '%s publishes with the right commit, branch and PR',
    async (event, payloadOf, expected) => {
      const payload = payloadOf();
      const client = memoryClient();
      const core = recordingCore();
      const result = await run({
        env: baseEnv(),
        context: contextFor(event, payload, { sha: 'c'.repeat(40), ref: 'refs/heads/main' }),
        client,
        core,
      });
      expect(core.failed).toEqual([]);
      expect(result.ok).toBe(true);
      expect(client.published).toHaveLength(1);
      const body = client.published[0]!;
      expect(body).toMatchObject({
        project_id: 'proj_1',
        title: 'loss',
        tags: ['ml', 'nightly'],
        author: 'octocat',
        ...expected(payload),
        ci: {
          provider: 'github-actions',
          run_id: '9001',
          run_attempt: 2,
          event,
          workflow: 'Plots',
        },
      });
      expect(body.repo_owner && body.repo_name).toBeTruthy();
      expect(core.outputs).toMatchObject({
        'snapshot-id': 'snap_1',
        'snapshot-url': 'https://plots.example.com/api/snapshots/snap_1',
        'plot-url': expect.stringContaining('/api/snapshots/snap_1/plot'),
        'code-url': expect.stringContaining('/api/snapshots/snap_1/code'),
        'snapshot-ids': '["snap_1"]',
      });
      expect(core.summaries.join('')).toContain('Plot snapshot: loss');
    },
  );
});

describe('run() failures and masking', () => {
  it('masks the token before logging anything, even when another input is invalid', async () => {
    const core = recordingCore();
    await run({
      env: { ...baseEnv(), INPUT_SUMMARY: 'sure' },
      context: contextFor('push', examplePayload('push')),
      client: memoryClient(),
      core,
    });
    expect(core.calls[0]).toBe('setSecret');
    expect(core.secrets).toEqual([TOKEN]);
    expect(core.infos).toEqual([]);
    expect(core.failed).toEqual([
      'Input "summary" is "sure", which is not a boolean: use true or false.',
    ]);
    expect(JSON.stringify([core.failed, core.warnings, core.infos, core.summaries])).not.toContain(
      TOKEN,
    );
  });

  it('fail-on-error true: one setFailed naming the file, no outputs', async () => {
    const core = recordingCore();
    const client = memoryClient();
    const result = await run({
      env: { ...baseEnv(), INPUT_PLOT: 'missing.png' },
      context: contextFor('push', examplePayload('push')),
      client,
      core,
    });
    expect(result.ok).toBe(false);
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toContain('missing.png');
    expect(core.warnings).toEqual([]);
    expect(core.outputs).toEqual({});
    expect(client.published).toEqual([]);
  });

  it('fail-on-error false: a warning, no failure, outputs empty', async () => {
    const core = recordingCore();
    const result = await run({
      env: { ...baseEnv(), INPUT_PLOT: 'missing.png', 'INPUT_FAIL-ON-ERROR': 'false' },
      context: contextFor('push', examplePayload('push')),
      client: memoryClient(),
      core,
    });
    expect(result.ok).toBe(false);
    expect(core.failed).toEqual([]);
    expect(core.warnings).toHaveLength(1);
    expect(core.warnings[0]).toContain('missing.png');
    expect(core.warnings[0]).toContain('fail-on-error is false');
    expect(core.outputs).toEqual({});
  });

  it('names every missing required input in one message', async () => {
    const core = recordingCore();
    await run({
      env: { INPUT_PLOT: 'loss.png', GITHUB_WORKSPACE: dir },
      context: contextFor('push', {}),
      core,
    });
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toMatch(/project-id.*api-url.*token/);
  });

  it('a missing token on a pull request from a fork points to the workflow_run pattern', async () => {
    const payload = examplePayload('pull_request');
    payload.pull_request.head.repo = {
      ...payload.pull_request.head.repo,
      full_name: 'forker/Hello-World',
    };
    const core = recordingCore();
    await run({
      env: { ...baseEnv(), INPUT_TOKEN: '' },
      context: contextFor('pull_request', payload),
      core,
    });
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toContain('Missing required input: token');
    expect(core.failed[0]).toContain('comes from a fork');
    expect(core.failed[0]).toContain('workflow_run');
  });

  it('an invalid tag fails before any request, naming the field', async () => {
    const core = recordingCore();
    const client = memoryClient();
    await run({
      env: { ...baseEnv(), INPUT_TAGS: 'ok, not ok' },
      context: contextFor('push', {}),
      client,
      core,
    });
    expect(client.published).toEqual([]);
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toMatch(/tags/);
  });

  it('summary: false writes no summary but still sets the outputs', async () => {
    const core = recordingCore();
    const env = { ...baseEnv(), INPUT_SUMMARY: 'false' };
    await run({
      env,
      context: contextFor('push', examplePayload('push')),
      client: memoryClient(),
      core,
    });
    expect(core.failed).toEqual([]);
    expect(core.summaries).toEqual([]);
    expect(core.outputs['snapshot-id']).toBe('snap_1');
  });

  it('refuses plot and directory together', async () => {
    const core = recordingCore();
    await run({
      env: { ...baseEnv(), INPUT_DIRECTORY: '.' },
      context: contextFor('push', {}),
      client: memoryClient(),
      core,
    });
    expect(core.failed[0]).toContain('not both');
  });
});

it('also masks a token given as SNAPSHOTPLOT_TOKEN, before any output', async () => {
  const core = recordingCore();
  const env = { ...baseEnv(), INPUT_TOKEN: '', SNAPSHOTPLOT_TOKEN: 'spt_from_env' };
  await run({
    env,
    context: contextFor('push', examplePayload('push')),
    client: memoryClient(),
    core,
  });
  expect(core.calls.slice(0, 1)).toEqual(['setSecret']);
  expect(core.secrets).toEqual(['spt_from_env']);
  expect(core.failed).toEqual([]);
});

describe('run() batch and dry run', () => {
  it('publishes every plot of a directory and writes one table with a thumbnail per snapshot', async () => {
    await writeFile(
      join(dir, 'acc.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    );
    const client = memoryClient();
    const core = recordingCore();
    const env = {
      ...baseEnv(),
      INPUT_PLOT: '',
      INPUT_CODE: '',
      INPUT_DIRECTORY: '.',
      INPUT_TITLE: 'x',
    };
    const result = await run({
      env,
      context: contextFor('push', examplePayload('push')),
      client,
      core,
    });
    expect(core.failed).toEqual([]);
    expect(result.published.map((p) => p.snapshot.title)).toEqual(['acc', 'loss']);
    expect(client.published.map((b) => [b.title, b.artifacts])).toEqual([
      ['acc', { plot: true, code: false }],
      ['loss', { plot: true, code: true }],
    ]);
    expect(JSON.parse(core.outputs['snapshot-ids']!)).toEqual(['snap_1', 'snap_2']);
    expect(JSON.parse(core.outputs['snapshot-urls']!)).toHaveLength(2);
    expect(core.outputs['snapshot-id']).toBeUndefined();
    expect(core.warnings).toEqual([
      'Input title is ignored with directory: each snapshot is titled by its file name.',
    ]);
    const html = core.summaries.join('');
    expect(html).toContain('2 of 2 published');
    expect(html.match(/<img /g)).toHaveLength(2);
  });

  it('an empty directory is a failure that says what was looked for', async () => {
    const core = recordingCore();
    const env = { ...baseEnv(), INPUT_PLOT: '', INPUT_CODE: '', INPUT_DIRECTORY: 'empty' };
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'empty')));
    await run({ env, context: contextFor('push', {}), client: memoryClient(), core });
    expect(core.failed[0]).toContain('No plot files found in empty');
  });

  it('dry-run inspects the files and contacts nothing, without needing a token', async () => {
    const client = memoryClient();
    const core = recordingCore();
    const env = { ...baseEnv(), INPUT_TOKEN: '', 'INPUT_API-URL': '', 'INPUT_DRY-RUN': 'true' };
    const result = await run({
      env,
      context: contextFor('push', examplePayload('push')),
      client,
      core,
    });
    expect(core.failed).toEqual([]);
    expect(result.ok).toBe(true);
    expect(client.published).toEqual([]);
    expect(core.outputs).toEqual({});
    expect(core.summaries.join('')).toContain('dry run');
  });
});
