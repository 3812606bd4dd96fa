import { createReadStream } from 'node:fs';
import { createClient } from '@snapshotplot/api-client';
import {
  BASE,
  fakeApi,
  metadata,
  recordingSleep,
  tempFiles,
} from '@snapshotplot/api-client/testing';
import { planPublish, publishSnapshot } from '@snapshotplot/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('plan then publish', () => {
  it('reads each file twice (hash while inspecting, stream for upload) and hashes it once', async () => {
    const files = await tempFiles({ 'fig.png': Buffer.alloc(5000, 1), 'fig.py': 'print(1)\n' });
    try {
      const api = fakeApi();
      server.use(...api.handlers);
      const reads = new Map<string, number>();
      const open = (path: string) => {
        reads.set(path, (reads.get(path) ?? 0) + 1);
        return createReadStream(path);
      };
      const plan = await planPublish(
        { plot: files.path('fig.png'), code: files.path('fig.py') },
        { cwd: '/', open },
      );
      // Inspecting is the only place that hashes: one read per file so far.
      expect([...reads.values()]).toEqual([1, 1]);
      const item = plan.items[0]!;
      expect(item.title).toBe('fig');
      const client = createClient({ baseUrl: BASE, token: 'spt_x', sleep: recordingSleep().sleep });
      await publishSnapshot(client, {
        metadata: { ...metadata, title: item.title },
        inspected: item.inspected,
        open,
      });
      expect(Object.fromEntries(reads)).toEqual({
        [files.path('fig.png')]: 2,
        [files.path('fig.py')]: 2,
      });
    } finally {
      await files.cleanup();
    }
  });
});
