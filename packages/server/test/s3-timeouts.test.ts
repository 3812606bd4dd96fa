/**
 * --s3-timeout-ms: an S3 store that accepts requests and never answers costs an upload or a
 * download a bounded wait, then 503 storage_unavailable with Retry-After; the server goes on.
 * Runs against an in-process fake endpoint (fake-s3.ts), on either database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../src/auth/service-tokens.js';
import { makeConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import { resolveStorageSettings } from '../src/storage/open-storage.js';
import { type FakeS3, startFakeS3 } from './fake-s3.js';
import { databaseFor, errorOf, PNG } from './helpers.js';

const TIMEOUT_MS = 300;
let s3: FakeS3;
let server: RunningServer;
let dataDir: string;
let token: string;
const projectId = 'proj_s3t';

beforeAll(async () => {
  s3 = await startFakeS3();
  dataDir = await mkdtemp(join(tmpdir(), 'sp-s3-timeout-'));
  const storage = resolveStorageSettings(
    { storage: 's3://fake-bucket/sp', s3Endpoint: s3.url, s3TimeoutMs: String(TIMEOUT_MS) },
    { AWS_ACCESS_KEY_ID: 'fake', AWS_SECRET_ACCESS_KEY: 'fake-secret' },
  );
  server = await startServer({
    config: makeConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      databaseUrl: await databaseFor(dataDir),
      logLevel: 'silent',
      shutdownTimeoutMs: 2000,
    }),
    storage,
  });
  const store = server.context.store;
  await store.createProject({
    id: projectId,
    name: 's3t',
    owner_id: null,
    created_at: new Date().toISOString(),
  });
  token = (
    await createServiceToken(store, {
      projectId,
      role: 'publisher',
      expiresAt: null,
      now: new Date(),
    })
  ).token;
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
  await rm(dataDir, { recursive: true, force: true });
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
