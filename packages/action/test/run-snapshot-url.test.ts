/**
 * A server that gives no web_url (an older one): the snapshot URL output is the snapshot's API
 * resource. The API is the contract-built msw fake, since the real server always gives one.
 */
import { createClient } from '@snapshotplot/api-client';
import { BASE, fakeApi, recordingSleep, useMswServer } from '@snapshotplot/api-client/testing';
import { expect, it } from 'vitest';
import { run } from '../src/run.js';
import { contextFor, examplePayload, recordingCore, useWorkspace } from './helpers.js';

const ws = useWorkspace();
const server = useMswServer();

it('without a web_url, snapshot-url is the API resource of the snapshot', async () => {
  const api = fakeApi();
  server.use(...api.handlers);
  const client = createClient({ baseUrl: BASE, token: 'spt_x', sleep: recordingSleep().sleep });
  const core = recordingCore();
  const result = await run({
    env: { ...ws.env(), 'INPUT_API-URL': BASE },
    context: contextFor('push', examplePayload('push')),
    client,
    core,
  });
  expect(core.failed).toEqual([]);
  expect(result.published[0]!.snapshot.web_url).toBeUndefined();
  expect(core.outputs).toMatchObject({
    'snapshot-id': 'snap_1',
    'snapshot-url': 'https://api.snapshotplot.test/api/snapshots/snap_1',
    'plot-url': expect.stringContaining('/api/snapshots/snap_1/plot'),
    'snapshot-ids': '["snap_1"]',
  });
});
