import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReady } from './events-helpers.js';
import { startHarness } from './helpers.js';
import {
  cli,
  eventually,
  expectedSignature,
  type Receiver,
  startReceiver,
} from './webhooks-helpers.js';

let rx: Receiver;
let dataDir: string;
beforeAll(async () => {
  rx = await startReceiver();
  dataDir = await mkdtemp(join(tmpdir(), 'sp-webhook-restart-'));
});
afterAll(async () => {
  await rx.close();
  await rm(dataDir, { recursive: true, force: true });
});

const HOUR = 3600_000;

describe('the delivery queue survives a restart', () => {
  it('a delivery still pending when the server stops is sent after it starts again', async () => {
    rx.script('/later', [500, 200]);
    // The retry is an hour away: the server stops long before it is due.
    const options = { config: { allowPrivateWebhooks: true }, dataDir };
    const first = await startHarness({
      ...options,
      webhooks: { retryDelaysMs: [0, HOUR, HOUR], pollIntervalMs: 20 },
    });
    const r = await cli([
      'webhook',
      'add',
      '--project',
      first.projectId,
      '--url',
      `${rx.url}/later`,
      '--allow-private-webhooks',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    const { secret } = JSON.parse(r.stdout) as { secret: string };
    await publishReady(first, 'Survives');
    await rx.until(() => rx.at('/later').length === 1);
    const list = async () =>
      JSON.parse(
        (
          await cli([
            'webhook',
            'deliveries',
            '--project',
            first.projectId,
            '--data-dir',
            dataDir,
            '--json',
          ])
        ).stdout,
      ) as Array<{ state: string; attempts: number }>;
    await eventually(async () => (await list())[0]?.attempts === 1);
    await first.close();
    expect(await list()).toMatchObject([{ state: 'pending', attempts: 1 }]);

    // Started again two hours later (an injected clock, no real waiting): the retry is due.
    const second = await startHarness({
      ...options,
      now: () => new Date(Date.now() + 2 * HOUR),
      webhooks: { retryDelaysMs: [0, HOUR, HOUR], pollIntervalMs: 20 },
    });
    try {
      await rx.until(() => rx.at('/later').length === 2);
      await eventually(async () => (await list())[0]?.state === 'delivered');
      const [a, b] = rx.at('/later');
      expect(b!.headers['webhook-id']).toBe(a!.headers['webhook-id']);
      expect(b!.body).toBe(a!.body);
      // Signed at the attempt's time (the injected clock), with the same secret.
      expect(Number(b!.headers['webhook-timestamp']) * 1000).toBeGreaterThan(Date.now() + HOUR);
      expect(b!.headers['webhook-signature']).toBe(expectedSignature(secret, b!));
      expect(await list()).toMatchObject([{ state: 'delivered', attempts: 2 }]);
    } finally {
      await second.close();
    }
  });
});

describe('a crash in the middle of a send', () => {
  it('leaves a lease: the row is sent again once the lease runs out, not before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sp-webhook-lease-'));
    try {
      const options = { config: { allowPrivateWebhooks: true }, dataDir: dir };
      const webhooks = { retryDelaysMs: [0, 50], pollIntervalMs: 20 };
      const first = await startHarness({ ...options, webhooks });
      const r = await cli([
        'webhook',
        'add',
        '--project',
        first.projectId,
        '--url',
        `${rx.url}/lease`,
        '--allow-private-webhooks',
        '--data-dir',
        dir,
        '--json',
      ]);
      const { id: webhookId } = JSON.parse(r.stdout) as { id: string };
      const store = first.server.context.store;
      const now = Date.now();
      // What `kill -9` during a send leaves behind: rows claimed ("sending") until a lease.
      const row = (id: string, leaseUntil: number) => ({
        id,
        webhook_id: webhookId,
        project_id: first.projectId,
        event_id: 1,
        event_type: 'snapshot.deleted',
        payload: JSON.stringify({
          type: 'snapshot.deleted',
          timestamp: new Date(now).toISOString(),
          data: { id, project_id: first.projectId },
        }),
        state: 'sending' as const,
        attempts: 0,
        next_attempt_at: new Date(leaseUntil).toISOString(),
        last_status: null,
        last_error: null,
        created_at: new Date(now).toISOString(),
        completed_at: null,
      });
      await store.insertDelivery(row('msg_expired', now - 1000));
      await store.insertDelivery(row('msg_leased', now + HOUR));
      await rx.until(() => rx.at('/lease').length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(rx.at('/lease').map((x) => x.headers['webhook-id'])).toEqual(['msg_expired']);
      await first.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
