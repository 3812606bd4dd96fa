import { describe, expect, it } from 'vitest';
import { run } from '../src/run.js';
import {
  contextFor,
  examplePayload,
  type Payload,
  recordingCore,
  useWorkspace,
} from './helpers.js';
import { memoryClient } from './memory-client.js';

const ws = useWorkspace();

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
        env: ws.env(),
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
