import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { run } from '../src/run.js';
import { contextFor, examplePayload, recordingCore, TOKEN, useWorkspace } from './helpers.js';
import { useServer } from './server-client.js';

const ws = useWorkspace();
const srv = useServer();

describe('run() failures and masking', () => {
  it('masks the token before logging anything, even when another input is invalid', async () => {
    const core = recordingCore();
    await run({
      env: { ...ws.env(), ...srv.env(), INPUT_SUMMARY: 'sure' },
      context: contextFor('push', examplePayload('push')),
      client: srv.client(),
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
    const client = srv.client();
    const result = await run({
      env: { ...ws.env(), ...srv.env(), INPUT_PLOT: 'missing.png' },
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
      env: { ...ws.env(), ...srv.env(), INPUT_PLOT: 'missing.png', 'INPUT_FAIL-ON-ERROR': 'false' },
      context: contextFor('push', examplePayload('push')),
      client: srv.client(),
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
      env: { INPUT_PLOT: 'loss.png', GITHUB_WORKSPACE: ws.dir() },
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
      env: { ...ws.env(), ...srv.env(), INPUT_TOKEN: '' },
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
    const client = srv.client();
    await run({
      env: { ...ws.env(), ...srv.env(), INPUT_TAGS: 'ok, not ok' },
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
    const env = { ...ws.env(), ...srv.env(), INPUT_SUMMARY: 'false' };
    const result = await run({
      env,
      context: contextFor('push', examplePayload('push')),
      client: srv.client(),
      core,
    });
    expect(core.failed).toEqual([]);
    expect(core.summaries).toEqual([]);
    expect(core.outputs['snapshot-id']).toMatch(/^snap_/);
    expect(core.outputs['snapshot-id']).toBe(result.published[0]!.snapshot.id);
  });

  it('refuses plot and directory together', async () => {
    const core = recordingCore();
    await run({
      env: { ...ws.env(), ...srv.env(), INPUT_DIRECTORY: '.' },
      context: contextFor('push', {}),
      client: srv.client(),
      core,
    });
    expect(core.failed[0]).toContain('input plot and input directory cannot be combined');
  });
});

it('also masks a token given as SNAPSHOTPLOT_TOKEN, before any output', async () => {
  const core = recordingCore();
  const env = { ...ws.env(), ...srv.env(), INPUT_TOKEN: '', SNAPSHOTPLOT_TOKEN: 'spt_from_env' };
  await run({
    env,
    context: contextFor('push', examplePayload('push')),
    client: srv.client(),
    core,
  });
  expect(core.calls.slice(0, 1)).toEqual(['setSecret']);
  expect(core.secrets).toEqual(['spt_from_env']);
  expect(core.failed).toEqual([]);
});

it('says each retry in the log while the server answers 503, then fails once', async () => {
  // A real server that is always unavailable, asking for no wait so the test takes no time.
  const down = createServer((req, res) => {
    req.resume().on('end', () => {
      res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' })
        .end(JSON.stringify({ error: { code: 'unavailable', message: 'Down for maintenance.' } }));
    });
  });
  await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(down.address() as AddressInfo).port}`;
  try {
    const core = recordingCore();
    const result = await run({
      env: { ...ws.env(), 'INPUT_API-URL': `http://${host}` },
      context: contextFor('push', examplePayload('push')),
      core,
    });
    expect(result.ok).toBe(false);
    expect(core.infos.filter((m) => m.startsWith('retrying'))).toEqual(
      [2, 3, 4, 5].map(
        (n) =>
          `retrying in 0 s (attempt ${n} of 5): POST ${host}/api/snapshots/publish answered HTTP 503: Down for maintenance.`,
      ),
    );
    expect(core.failed).toHaveLength(1);
  } finally {
    await new Promise((resolve) => down.close(resolve));
  }
});
