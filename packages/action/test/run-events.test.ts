import { describe, expect, it } from 'vitest';
import { run } from '../src/run.js';
import {
  contextFor,
  examplePayload,
  type Payload,
  recordingCore,
  useWorkspace,
} from './helpers.js';
import { PUBLIC_URL, useServer } from './server-client.js';

const ws = useWorkspace();
const srv = useServer();

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
      const client = srv.client();
      const core = recordingCore();
      const result = await run({
        env: { ...ws.env(), ...srv.env() },
        context: contextFor(event, payload, { sha: 'c'.repeat(40), ref: 'refs/heads/main' }),
        client,
        core,
      });
      expect(core.failed).toEqual([]);
      expect(result.ok).toBe(true);
      expect(client.published).toHaveLength(1);
      const body = client.published[0]!;
      expect(body).toMatchObject({
        project_id: srv.projectId(),
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
      const { snapshot } = result.published[0]!;
      expect(snapshot.id).toMatch(/^snap_/);
      expect(snapshot.web_url).toMatch(new RegExp(`^${PUBLIC_URL}/.*${snapshot.id}$`));
      expect(core.outputs).toMatchObject({
        'snapshot-id': snapshot.id,
        // The server's page for the snapshot (a server without one: run-snapshot-url.test.ts).
        'snapshot-url': snapshot.web_url,
        'plot-url': expect.stringContaining(`/api/snapshots/${snapshot.id}/plot`),
        'code-url': expect.stringContaining(`/api/snapshots/${snapshot.id}/code`),
        'snapshot-ids': `["${snapshot.id}"]`,
      });
      expect(core.summaries.join('')).toContain('Plot snapshot: loss');
    },
  );
});
