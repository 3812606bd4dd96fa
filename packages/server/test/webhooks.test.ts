import {
  ComparisonReadyEventSchema,
  SnapshotDeletedEventSchema,
  SnapshotReadyEventSchema,
} from '@snapshotplot/api-client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReady } from './events-helpers.js';
import { type Harness, startHarness } from './helpers.js';
import {
  cli,
  eventually,
  expectedSignature,
  type Receiver,
  startReceiver,
} from './webhooks-helpers.js';

let h: Harness;
let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
  h = await startHarness({
    config: { allowPrivateWebhooks: true },
    webhooks: { retryDelaysMs: [0, 30, 30, 30], pollIntervalMs: 20, timeoutMs: 400 },
  });
});
afterAll(async () => {
  await h.close();
  await rx.close();
});

interface Added {
  id: string;
  project_id: string;
  url: string;
  events: string[];
  secret: string;
}

async function add(path: string, extra: string[] = [], projectId = h.projectId): Promise<Added> {
  const r = await cli([
    'webhook',
    'add',
    '--project',
    projectId,
    '--url',
    `${rx.url}${path}`,
    '--allow-private-webhooks',
    '--data-dir',
    h.dataDir,
    '--json',
    ...extra,
  ]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Added;
}

interface Delivery {
  id: string;
  webhook_id: string;
  event_type: string;
  state: string;
  attempts: number;
  attempt_log: Array<{
    attempt: number;
    status: number | null;
    duration_ms: number;
    error: string | null;
  }>;
}

async function deliveries(projectId = h.projectId, dataDir = h.dataDir): Promise<Delivery[]> {
  const r = await cli([
    'webhook',
    'deliveries',
    '--project',
    projectId,
    '--data-dir',
    dataDir,
    '--json',
  ]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Delivery[];
}

const settled = (webhookId: string, n = 1) =>
  eventually(async () => {
    const mine = (await deliveries()).filter((d) => d.webhook_id === webhookId);
    return (
      mine.length >= n && mine.every((d) => d.state === 'delivered' || d.state === 'failed') && mine
    );
  });

describe('webhooks', () => {
  it('delivers snapshot.ready signed per Standard Webhooks, once, and lists the delivery', async () => {
    const hook = await add('/ok');
    expect(hook).toMatchObject({
      project_id: h.projectId,
      url: `${rx.url}/ok`,
      events: ['snapshot.ready', 'snapshot.deleted', 'comparison.ready'],
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const snapId = await publishReady(h, 'Hooked');
    const [d] = await settled(hook.id);
    expect(d).toMatchObject({ event_type: 'snapshot.ready', state: 'delivered', attempts: 1 });
    // Queued by the event's insert (0016): the event's id and the endpoint's make the id.
    expect(d!.id).toMatch(new RegExp(`^msg_\\d{12}_${hook.id}$`));
    expect(d!.attempt_log).toEqual([
      expect.objectContaining({ attempt: 1, status: 200, error: null }),
    ]);

    const [got] = rx.at('/ok');
    expect(rx.at('/ok')).toHaveLength(1);
    const { headers, body } = got!;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe(d!.id);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    // The reference library accepts it...
    const verified = new Webhook(hook.secret).verify(body, headers as Record<string, string>);
    expect(SnapshotReadyEventSchema.parse(verified).data.id).toBe(snapId);
    // ...and so does the algorithm written out: HMAC-SHA256(base64-decoded secret, id.ts.body).
    expect(headers['webhook-signature']).toBe(expectedSignature(hook.secret, got!));
    // A wrong secret does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(
        body,
        headers as Record<string, string>,
      ),
    ).toThrow();
    await cli(['webhook', 'remove', hook.id, '--data-dir', h.dataDir]);
  });

  it('retries after 500s and a timeout, then succeeds with the same webhook-id', async () => {
    rx.script('/flaky', [500, 0, 503, 204]);
    const hook = await add('/flaky', ['--events', 'snapshot.deleted']);
    const snapId = await publishReady(h, 'Flaky');
    const admin = await h.tokenFor(h.projectId, 'admin');
    expect((await h.api('DELETE', `/api/snapshots/${snapId}`, { token: admin })).status).toBe(200);
    const [d] = await settled(hook.id);
    expect(d).toMatchObject({ event_type: 'snapshot.deleted', state: 'delivered', attempts: 4 });
    // Subscribed to snapshot.deleted only: the snapshot.ready before it queued nothing here.
    expect((await deliveries()).filter((x) => x.webhook_id === hook.id)).toHaveLength(1);
    expect(d!.attempt_log.map((a) => a.status)).toEqual([500, null, 503, 204]);
    expect(d!.attempt_log[1]!.error).toMatch(/timed out after 400 ms/);
    expect(d!.attempt_log.every((a) => a.duration_ms >= 0)).toBe(true);
    const got = rx.at('/flaky');
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([d!.id]));
    const payload = new Webhook(hook.secret).verify(
      got[3]!.body,
      got[3]!.headers as Record<string, string>,
    );
    expect(SnapshotDeletedEventSchema.parse(payload).data.id).toBe(snapId);
    await cli(['webhook', 'remove', hook.id, '--data-dir', h.dataDir]);
  });

  it('delivers comparison.ready to an endpoint subscribed to it, and only to it', async () => {
    const hook = await add('/compared', ['--events', 'comparison.ready']);
    const other = await add('/snapshots-only', ['--events', 'snapshot.ready']);
    const commit = 'f'.repeat(40);
    const pub = await h.api('POST', '/api/snapshots/publish', {
      json: {
        project_id: h.projectId,
        title: 'Compared',
        commit_sha: commit,
        artifacts: { plot: false, code: true },
      },
    });
    const { snapshot_id, upload_urls } = (await pub.json()) as {
      snapshot_id: string;
      upload_urls: { code: string };
    };
    await fetch(upload_urls.code, {
      method: 'PUT',
      headers: { 'content-type': 'text/x-python' },
      body: 'print(1)\n',
    });
    const fin = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id },
    });
    expect(fin.status).toBe(200);
    const cmp = await h.api('POST', `/api/projects/${h.projectId}/comparisons`, {
      json: { head: commit },
    });
    expect(cmp.status).toBe(200);
    const [d] = await settled(hook.id);
    expect(d).toMatchObject({ event_type: 'comparison.ready', state: 'delivered' });
    const got = rx.at('/compared');
    const payload = new Webhook(hook.secret).verify(
      got[0]!.body,
      got[0]!.headers as Record<string, string>,
    );
    expect(ComparisonReadyEventSchema.parse(payload).data).toMatchObject({
      head_sha: commit,
      complete: true,
      summary: { new: 1 },
    });
    await settled(other.id);
    expect(rx.at('/snapshots-only').map((r) => r.event?.type)).toEqual(['snapshot.ready']);
    await cli(['webhook', 'remove', hook.id, '--data-dir', h.dataDir]);
    await cli(['webhook', 'remove', other.id, '--data-dir', h.dataDir]);
  });

  it('gives up after the last scheduled attempt', async () => {
    rx.script('/down', [500]);
    const hook = await add('/down');
    await publishReady(h, 'Never delivered');
    const [d] = await settled(hook.id);
    expect(d).toMatchObject({ state: 'failed', attempts: 4 });
    expect(rx.at('/down')).toHaveLength(4);
    await cli(['webhook', 'remove', hook.id, '--data-dir', h.dataDir]);
  });

  it('disables the endpoint on 410 Gone and queues nothing more for it', async () => {
    rx.script('/gone', [410]);
    const hook = await add('/gone');
    await publishReady(h, 'Gone 1');
    const [d] = await settled(hook.id);
    expect(d).toMatchObject({ state: 'failed', attempts: 1 });
    expect(d!.attempt_log[0]!.status).toBe(410);
    const list = JSON.parse(
      (await cli(['webhook', 'list', '--project', h.projectId, '--data-dir', h.dataDir, '--json']))
        .stdout,
    ) as Array<Record<string, unknown>>;
    const row = list.find((w) => w.id === hook.id)!;
    expect(row.disabled_reason).toMatch(/410/);
    expect(row).not.toHaveProperty('secret');
    await publishReady(h, 'Gone 2');
    await publishReady(h, 'Gone 3');
    expect((await deliveries()).filter((x) => x.webhook_id === hook.id)).toHaveLength(1);
    expect(rx.at('/gone')).toHaveLength(1);
  });
});

describe('webhook targets', () => {
  it('refuses loopback and private URLs at add time unless --allow-private-webhooks', async () => {
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://10.0.0.8/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest',
    ]) {
      const r = await cli([
        'webhook',
        'add',
        '--project',
        h.projectId,
        '--url',
        url,
        '--data-dir',
        h.dataDir,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--allow-private-webhooks/);
    }
    const bad = await cli([
      'webhook',
      'add',
      '--project',
      h.projectId,
      '--url',
      'ftp://example.com',
      '--data-dir',
      h.dataDir,
    ]);
    expect(bad.code).toBe(2);
    const events = await cli([
      'webhook',
      'add',
      '--project',
      h.projectId,
      '--url',
      `${rx.url}/x`,
      '--allow-private-webhooks',
      '--events',
      'snapshot.nope',
      '--data-dir',
      h.dataDir,
    ]);
    expect(events).toMatchObject({ code: 2 });
    expect(events.stderr).toMatch(/snapshot\.ready, snapshot\.deleted/);
  });

  it('does not send to a private address when the server does not allow it', async () => {
    const strict = await startHarness({ webhooks: { retryDelaysMs: [0], pollIntervalMs: 20 } });
    try {
      const r = await cli([
        'webhook',
        'add',
        '--project',
        strict.projectId,
        '--url',
        `${rx.url}/strict`,
        '--allow-private-webhooks',
        '--data-dir',
        strict.dataDir,
        '--json',
      ]);
      const hook = JSON.parse(r.stdout) as Added;
      await publishReady(strict, 'Strict');
      const [d] = await eventually(async () => {
        const list = await deliveries(strict.projectId, strict.dataDir);
        return list[0]?.state === 'failed' && list;
      });
      expect(d!.webhook_id).toBe(hook.id);
      expect(d!.attempt_log[0]!.error).toMatch(/loopback or private.*--allow-private-webhooks/);
      expect(rx.at('/strict')).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
