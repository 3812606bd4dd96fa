import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { resolveStorageSettings } from '../src/storage/open-storage.js';
import type { FakeS3 } from './fake-s3.js';
import { type FakeS3Server, startOnFakeS3 } from './fake-s3-server.js';
import { errorOf, PNG } from './helpers.js';

const TIMEOUT_MS = 300;
let s3: FakeS3;
let server: RunningServer;
let _dataDir: string;
let token: string;
const projectId = 'proj_s3t';

let env: FakeS3Server;
beforeAll(async () => {
  env = await startOnFakeS3({ projectId, flags: { s3TimeoutMs: String(TIMEOUT_MS) } });
  ({ s3, server, _dataDir, token } = env);
});
afterAll(async () => {
  await env?.close();
});

const api = (path: string, json?: unknown) =>
  fetch(`${server.url}${path}`, {
    method: json ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: json ? JSON.stringify(json) : undefined,
  });
const publish = async (title: string) =>
  (await (await api('/api/snapshots/publish', { project_id: projectId, title })).json()) as {
    snapshot_id: string;
    upload_urls: { plot: string };
  };
const put = (url: string) =>
  fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: PNG });

describe('a hung S3 store', () => {
  it('upload and download answer 503 storage_unavailable with Retry-After; /healthz answers', async () => {
    // A ready snapshot while the store behaves.
    const ready = await publish('stored before the hang');
    expect((await put(ready.upload_urls.plot)).status).toBe(200);
    const fin = await api('/api/snapshots/finalize', {
      project_id: projectId,
      snapshot_id: ready.snapshot_id,
    });
    expect(fin.status).toBe(200);
    const snap = (await (await api(`/api/snapshots/${ready.snapshot_id}`)).json()) as {
      plot_url: string;
    };
    const pending = await publish('uploaded during the hang');

    s3.hang(true);
    const started = Date.now();
    const up = await put(pending.upload_urls.plot);
    const uploadMs = Date.now() - started;
    expect(await errorOf(up)).toMatchObject({ status: 503, code: 'storage_unavailable' });
    expect(up.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(s3.hungRequests()).toBeGreaterThan(0);
    // Nothing recorded: the snapshot still waits for its plot.
    const still = (await (await api(`/api/snapshots/${pending.snapshot_id}`)).json()) as {
      status: string;
      files: { plot: unknown };
    };
    expect(still).toMatchObject({ status: 'pending', files: { plot: null } });

    // A multipart direct publish stores through the same upload: 503, and no snapshot.
    const fd = new FormData();
    fd.append('metadata', JSON.stringify({ project_id: projectId, title: 'direct, hung' }));
    fd.append('plot', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'plot.png');
    const direct = await fetch(`${server.url}/api/snapshots/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: fd,
    });
    expect(await errorOf(direct)).toMatchObject({ status: 503, code: 'storage_unavailable' });
    const listed = await server.context.store.listSnapshots(projectId, {}, 100);
    expect(listed.page.map((r) => r.title)).not.toContain('direct, hung');

    const t = Date.now();
    const down = await fetch(snap.plot_url);
    const downloadMs = Date.now() - t;
    expect(await errorOf(down)).toMatchObject({ status: 503, code: 'storage_unavailable' });
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);

    // /healthz still answers (degraded: its probe write times out too).
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ storage: 'error', database: 'ok' });

    s3.hang(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await put(pending.upload_urls.plot)).status).toBe(200);
    const whole = await fetch(snap.plot_url);
    expect(Buffer.from(await whole.arrayBuffer()).equals(PNG)).toBe(true);
    // For the report, not asserted (no timing assertions): how long a hung call held a request.
    console.info(
      `s3 timeout ${TIMEOUT_MS} ms: upload 503 after ${uploadMs} ms, download 503 after ${downloadMs} ms`,
    );
  });
});

describe('--s3-timeout-ms', () => {
  it('is read from the flag, then SNAPSHOTPLOT_S3_TIMEOUT_MS; a bad value names both', () => {
    const from = (flags: Record<string, string>, env: Record<string, string>) =>
      resolveStorageSettings({ storage: 's3://b/p', ...flags }, env).s3.timeoutMs;
    expect(from({ s3TimeoutMs: '1500' }, { SNAPSHOTPLOT_S3_TIMEOUT_MS: '9000' })).toBe(1500);
    expect(from({}, { SNAPSHOTPLOT_S3_TIMEOUT_MS: '9000' })).toBe(9000);
    expect(from({}, {})).toBeUndefined();
    for (const bad of ['0', '50', 'soon', '1.5'])
      expect(() => from({ s3TimeoutMs: bad }, {})).toThrow(
        /--s3-timeout-ms.*SNAPSHOTPLOT_S3_TIMEOUT_MS.*at least 100/,
      );
  });
});
