import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { thumbnailUrl } from '../src/thumbnails/routes.js';
import type { FakeS3 } from './fake-s3.js';
import { type FakeS3Server, startOnFakeS3 } from './fake-s3-server.js';
import { objectOf, sha256 } from './helpers.js';

let s3: FakeS3;
let server: RunningServer;
let _dataDir: string;
let token: string;
let admin: string;
const projectId = 'proj_thumbs_s3';

let env: FakeS3Server;
beforeAll(async () => {
  env = await startOnFakeS3({ projectId });
  ({ s3, server, _dataDir, token, admin } = env);
});
afterAll(async () => {
  await env?.close();
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
