/**
 * Thumbnails on S3 storage (the in-process fake endpoint, fake-s3.ts), on either database:
 * made once and stored in the bucket at thumbs/{project}/{sha256}.webp beside the object,
 * served from there, and deleted with the last snapshot naming the bytes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../src/auth/service-tokens.js';
import { makeConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import { resolveStorageSettings } from '../src/storage/open-storage.js';
import { thumbnailUrl } from '../src/thumbnails/routes.js';
import { type FakeS3, startFakeS3 } from './fake-s3.js';
import { databaseFor, objectOf, sha256 } from './helpers.js';

let s3: FakeS3;
let server: RunningServer;
let dataDir: string;
let token: string;
let admin: string;
const projectId = 'proj_thumbs_s3';

beforeAll(async () => {
  s3 = await startFakeS3();
  dataDir = await mkdtemp(join(tmpdir(), 'sp-thumbs-s3-'));
  const storage = resolveStorageSettings(
    { storage: 's3://fake-bucket/sp', s3Endpoint: s3.url },
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
    name: 't',
    owner_id: null,
    created_at: new Date().toISOString(),
  });
  const tokenOf = async (role: 'publisher' | 'admin') =>
    (await createServiceToken(store, { projectId, role, expiresAt: null, now: new Date() })).token;
  token = await tokenOf('publisher');
  admin = await tokenOf('admin');
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const auth = (as = token) => ({ authorization: `Bearer ${as}` });
let n = 0;
async function directReady(bytes: Buffer): Promise<string> {
  const fd = new FormData();
  fd.append('metadata', JSON.stringify({ project_id: projectId, title: `d${++n}` }));
  fd.append('plot', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'plot.png');
  const res = await fetch(`${server.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: auth(),
    body: fd,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
const thumbOf = async (id: string) => {
  const snap = (await (
    await fetch(`${server.url}/api/snapshots/${id}`, { headers: auth() })
  ).json()) as {
    plot_url: string;
  };
  return fetch(thumbnailUrl(id, snap.plot_url)!);
};
const stored = () => s3.keys().filter((k) => !k.includes('/.tmp/'));

describe('thumbnails on S3 storage', () => {
  it('are stored in the bucket beside the object, served from there, and go with it', async () => {
    const png = await sharp({
      create: { width: 960, height: 600, channels: 3, background: '#3366cc' },
    })
      .png()
      .toBuffer();
    const thumbKey = `fake-bucket/sp/thumbs/${projectId}/${sha256(png)}.webp`;
    const a = await directReady(png);
    const b = await directReady(png);
    expect(stored()).toEqual([`fake-bucket/sp/${objectOf(projectId, png)}`]);
    const made = server.context.thumbnails.stats().made;
    const first = await thumbOf(a);
    expect(first.status).toBe(200);
    expect((await sharp(Buffer.from(await first.arrayBuffer())).metadata()).width).toBe(480);
    expect(stored()).toContain(thumbKey);
    expect((await thumbOf(b)).status).toBe(200);
    expect(server.context.thumbnails.stats().made).toBe(made + 1);
    const del = (id: string) =>
      fetch(`${server.url}/api/snapshots/${id}`, { method: 'DELETE', headers: auth(admin) });
    expect((await del(a)).status).toBe(200);
    expect(stored()).toContain(thumbKey);
    expect((await del(b)).status).toBe(200);
    expect(stored()).toEqual([]);
  });
});
