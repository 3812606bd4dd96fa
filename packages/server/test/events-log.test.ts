import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { CliError } from '../src/errors.js';
import { startHarness } from './helpers.js';

describe('the event log', () => {
  it('keeps 7 days: older events are pruned at start-up, newer ones stay', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-events-log-'));
    try {
      const first = await startHarness({ dataDir });
      const store = first.server.context.store;
      const day = 24 * 3600_000;
      const row = (ageDays: number) => ({
        project_id: first.projectId,
        type: 'snapshot.deleted' as const,
        payload: '{}',
        created_at: new Date(Date.now() - ageDays * day).toISOString(),
      });
      const old = await store.insertEvent(row(8));
      const recent = await store.insertEvent(row(6));
      expect(recent).toBeGreaterThan(old);
      await first.close();
      const second = await startHarness({ dataDir });
      const left = await second.server.context.store.eventsAfter(second.projectId, 0, 10);
      expect(left.map((e) => e.id)).toEqual([recent]);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('events and webhook settings', () => {
  it('default to a 15 s heartbeat and public webhook targets only', () => {
    const c = resolveConfig({}, {});
    expect(c.sseHeartbeatMs).toBe(15_000);
    expect(c.allowPrivateWebhooks).toBe(false);
  });

  it('read SNAPSHOTPLOT_SSE_HEARTBEAT_MS / SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS; flags win', () => {
    const env = { SNAPSHOTPLOT_SSE_HEARTBEAT_MS: '500', SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS: '1' };
    expect(resolveConfig({}, env)).toMatchObject({
      sseHeartbeatMs: 500,
      allowPrivateWebhooks: true,
    });
    expect(resolveConfig({ sseHeartbeatMs: '2000', allowPrivateWebhooks: true }, {})).toMatchObject(
      {
        sseHeartbeatMs: 2000,
        allowPrivateWebhooks: true,
      },
    );
    expect(
      resolveConfig({}, { SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS: 'false' }).allowPrivateWebhooks,
    ).toBe(false);
    expect(() => resolveConfig({ sseHeartbeatMs: '5' }, {})).toThrow(CliError);
    expect(() => resolveConfig({}, { SNAPSHOTPLOT_SSE_HEARTBEAT_MS: 'often' })).toThrow(
      /--sse-heartbeat-ms.*SNAPSHOTPLOT_SSE_HEARTBEAT_MS/,
    );
  });
});
