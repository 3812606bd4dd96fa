import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import type { FakeS3 } from './fake-s3.js';
import { type FakeS3Server, startOnFakeS3 } from './fake-s3-server.js';
import { objectOf, PNG, sha256 } from './helpers.js';

let s3: FakeS3;
let server: RunningServer;
let _dataDir: string;
let token: string;
let admin: string;
const projectId = 'proj_dedupe_s3';

let env: FakeS3Server;
beforeAll(async () => {
  env = await startOnFakeS3({ projectId, flags: { uploadMode: 'presigned' } });
  ({ s3, server, _dataDir, token, admin } = env);
});
afterAll(async () => {
  await env?.close();
});

const api = (method: string, path: string, json?: unknown, as = token) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
    body: json ? JSON.stringify(json) : undefined,
  });
const key = (bytes: Buffer) => `fake-bucket/sp/${objectOf(projectId, bytes)}`;
/** Objects other than the health probes and temp copies. */
const stored = () => s3.keys().filter((k) => !k.includes('/.tmp/'));
const plotOf = async (id: string) => {
  const snap = (await (await api('GET', `/api/snapshots/${id}`)).json()) as { plot_url: string };
  return Buffer.from(await (await fetch(snap.plot_url)).arrayBuffer());
};

let n = 0;
async function presignedReady(bytes: Buffer): Promise<string> {
  const pub = await api('POST', '/api/snapshots/publish', {
    project_id: projectId,
    title: `p${++n}`,
    artifacts: { plot: true },
    checksums: { plot: sha256(bytes) },
  });
  expect(pub.status).toBe(201);
  const body = (await pub.json()) as { snapshot_id: string; upload_urls: { plot: string } };
  expect(body.upload_urls.plot.startsWith(s3.url)).toBe(true);
  const put = await fetch(body.upload_urls.plot, {
    method: 'PUT',
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array(bytes),
  });
  expect(put.status).toBe(200);
  const fin = await api('POST', '/api/snapshots/finalize', {
    project_id: projectId,
    snapshot_id: body.snapshot_id,
  });
  expect(fin.status).toBe(200);
  return body.snapshot_id;
}

async function directReady(bytes: Buffer): Promise<string> {
  const fd = new FormData();
  fd.append('metadata', JSON.stringify({ project_id: projectId, title: `d${++n}` }));
  fd.append('plot', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'plot.png');
  const res = await fetch(`${server.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: fd,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('dedupe on S3 storage', () => {
  it('presigned uploads of the same bytes end as one object; the last delete removes it', async () => {
    const bytes = Buffer.concat([PNG, Buffer.from('presigned')]);
    const a = await presignedReady(bytes);
    const copiesBefore = s3.copies().length;
    const b = await presignedReady(bytes);
    // The second finalize found the object: nothing copied.
    expect(s3.copies().length).toBe(copiesBefore);
    // Verified uploads were promoted (or dropped) and their upload keys discarded.
    expect(stored().filter((k) => k.includes('/uploads/'))).toEqual([]);
    expect(stored()).toEqual([key(bytes)]);
    expect((await plotOf(a)).equals(bytes)).toBe(true);
    expect((await api('DELETE', `/api/snapshots/${a}`, undefined, admin)).status).toBe(200);
    expect(stored()).toEqual([key(bytes)]);
    expect((await plotOf(b)).equals(bytes)).toBe(true);
    expect((await api('DELETE', `/api/snapshots/${b}`, undefined, admin)).status).toBe(200);
    expect(stored()).toEqual([]);
  });

  it('direct publish settles on the same object a presigned upload made', async () => {
    const bytes = Buffer.concat([PNG, Buffer.from('direct')]);
    const a = await presignedReady(bytes);
    const b = await directReady(bytes);
    const c = await directReady(bytes);
    expect(stored()).toEqual([key(bytes)]);
    for (const id of [a, b]) {
      expect((await api('DELETE', `/api/snapshots/${id}`, undefined, admin)).status).toBe(200);
    }
    expect((await plotOf(c)).equals(bytes)).toBe(true);
    expect((await api('DELETE', `/api/snapshots/${c}`, undefined, admin)).status).toBe(200);
    expect(stored()).toEqual([]);
  });
});
