/**
 * The built server with --storage s3://… against a real S3-compatible store (s3-env.ts):
 * proxied uploads through the API client, and --upload-mode presigned end to end.
 * Needs `pnpm build` first (startTestServer spawns dist/bin.js).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClient,
  PublishResponseSchema,
  type SnapshotplotClient,
} from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import { runServerCli, startTestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectOf, sha256 } from './helpers.js';
import { objectsUnder, requireS3WhenEnginesRequired, S3_URL, s3TestUrl } from './s3-env.js';

requireS3WhenEnginesRequired();

const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a', 'hex'),
  randomBytes(6 * 1024 * 1024 + 321), // over one multipart part
]);

async function setup(args: string[]) {
  const url = s3TestUrl();
  const server = await startTestServer({ args: ['--storage', url, ...args] });
  const project = await server.createProject('s3');
  const token = await server.createToken(project.id, 'admin');
  const client = createClient({ baseUrl: server.url, token, retries: 0 });
  return { url, server, project, token, client };
}

describe.skipIf(!S3_URL)('server on S3 storage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sp-s3-server-'));
    await writeFile(join(dir, 'plot.png'), PNG);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('proxied uploads (default mode)', () => {
    let s: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      s = await setup([]);
    });
    afterAll(() => s.server.stop());

    it('publish -> upload -> finalize -> delivery byte-exact, with Range; delete removes it', async () => {
      const health = await fetch(`${s.server.url}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok', storage: 'ok' });
      const { snapshot } = await publishSnapshot(s.client, {
        metadata: { project_id: s.project.id, title: 'on s3' },
        plot: join(dir, 'plot.png'),
      });
      expect(snapshot.status).toBe('ready');
      expect(snapshot.files.plot).toMatchObject({ size: PNG.length, sha256: sha256(PNG) });
      const whole = await fetch(snapshot.plot_url!);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(PNG)).toBe(true);
      const ranged = await fetch(snapshot.plot_url!, { headers: { range: 'bytes=100-5999999' } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe(`bytes 100-5999999/${PNG.length}`);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(PNG.subarray(100, 6_000_000))).toBe(
        true,
      );
      const tail = await fetch(snapshot.plot_url!, { headers: { range: 'bytes=-10' } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(PNG.subarray(-10))).toBe(true);
      expect(await objectsUnder(s.url)).toEqual([objectOf(s.project.id, PNG)]);
      await s.client.deleteSnapshot(snapshot.id);
      expect(await objectsUnder(s.url)).toEqual([]);
    }, 60_000);

    it('a body that fails its checksum leaves no object', async () => {
      const pub = await s.client.publish({
        project_id: s.project.id,
        title: 'bad sum',
        checksums: { plot: sha256('something else') },
      });
      const put = await fetch(pub.upload_urls.plot!, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: PNG,
      });
      expect(put.status).toBe(400);
      expect(await objectsUnder(s.url)).toEqual([]);
    });
  });

  describe('--upload-mode presigned', () => {
    let s: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      s = await setup(['--upload-mode', 'presigned', '--max-upload-bytes', String(8 << 20)]);
    });
    afterAll(() => s.server.stop());

    const put = (url: string, body: Buffer, type = 'image/png') =>
      fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });
    const finalize = (client: SnapshotplotClient, project: string, id: string) =>
      fetch(`${client.baseUrl}/api/snapshots/finalize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project_id: project, snapshot_id: id }),
      });

    it('upload URLs go straight to S3; finalize verifies and delivery is byte-exact', async () => {
      const pub = PublishResponseSchema.parse(
        await s.client.publish({
          project_id: s.project.id,
          title: 'presigned',
          checksums: { plot: sha256(PNG) },
        }),
      );
      const endpoint = process.env.AWS_ENDPOINT_URL!;
      expect(pub.upload_urls.plot!.startsWith(endpoint)).toBe(true);
      expect(pub.upload_urls.plot).toContain('X-Amz-Signature=');
      const early = await finalize(s.client, s.project.id, pub.snapshot_id);
      expect(early.status).toBe(409);
      expect((await put(pub.upload_urls.plot!, PNG)).status).toBe(200);
      const fin = await finalize(s.client, s.project.id, pub.snapshot_id);
      expect(fin.status).toBe(200);
      const snap = await s.client.getSnapshot(pub.snapshot_id);
      expect(snap.files.plot).toMatchObject({
        content_type: 'image/png',
        size: PNG.length,
        sha256: sha256(PNG),
      });
      const ranged = await fetch(snap.plot_url!, { headers: { range: 'bytes=7-70' } });
      expect(Buffer.from(await ranged.arrayBuffer()).equals(PNG.subarray(7, 71))).toBe(true);
      // The verified bytes were moved out of reach of the (still valid) upload URL.
      expect(await objectsUnder(s.url)).toEqual([objectOf(s.project.id, PNG)]);
      expect((await put(pub.upload_urls.plot!, Buffer.from('overwrite'))).status).toBe(200);
      const again = await fetch(snap.plot_url!);
      expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(sha256(PNG));
    }, 60_000);

    it('finalize refuses a wrong body, a wrong type and an oversized one, keeping nothing', async () => {
      const pub = await s.client.publish({
        project_id: s.project.id,
        title: 'wrong body',
        checksums: { plot: sha256(PNG) },
      });
      const id = pub.snapshot_id;
      expect((await put(pub.upload_urls.plot!, Buffer.from('not the plot'))).status).toBe(200);
      const bad = await finalize(s.client, s.project.id, id);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'checksum_mismatch' } });
      expect((await s.client.getSnapshot(id)).status).toBe('pending');

      expect((await put(pub.upload_urls.plot!, PNG, 'application/x-evil')).status).toBe(200);
      const type = await finalize(s.client, s.project.id, id);
      expect(type.status).toBe(415);

      const huge = Buffer.concat([PNG, PNG]); // over --max-upload-bytes 8 MiB
      expect((await put(pub.upload_urls.plot!, huge)).status).toBe(200);
      const big = await finalize(s.client, s.project.id, id);
      expect(big.status).toBe(413);
      expect((await objectsUnder(s.url)).filter((k) => k.includes(id))).toEqual([]);

      // The same URL, now with the right bytes, completes the snapshot.
      expect((await put(pub.upload_urls.plot!, PNG)).status).toBe(200);
      expect((await finalize(s.client, s.project.id, id)).status).toBe(200);
      expect((await s.client.getSnapshot(id)).status).toBe('ready');
    }, 60_000);

    it('finalize refuses an upload over the project byte quota with 507, keeping nothing', async () => {
      const pub = await s.client.publish({
        project_id: s.project.id,
        title: 'over quota',
        checksums: { plot: sha256(PNG) },
      });
      const id = pub.snapshot_id;
      const quota = (...a: string[]) =>
        runServerCli([
          'project',
          'quota',
          '--project',
          s.project.id,
          ...a,
          '--data-dir',
          s.server.dataDir,
        ]);
      // Whatever the earlier tests stored, one more PNG is over this limit.
      const { bytes } = JSON.parse(await quota('--json'));
      await quota('--max-bytes', String(bytes + PNG.length - 1));
      try {
        expect((await put(pub.upload_urls.plot!, PNG)).status).toBe(200);
        const over = await finalize(s.client, s.project.id, id);
        expect(over.status).toBe(507);
        const body = await over.json();
        expect(body.error.code).toBe('quota_exceeded');
        expect(body.error.message).toMatch(/project quota/);
        expect((await s.client.getSnapshot(id)).status).toBe('pending');
        expect((await objectsUnder(s.url)).filter((k) => k.includes(id))).toEqual([]);
        expect((await fetch(`${s.server.url}/healthz`)).status).toBe(200);
      } finally {
        await quota('--max-bytes', 'off');
      }
      expect((await put(pub.upload_urls.plot!, PNG)).status).toBe(200);
      expect((await finalize(s.client, s.project.id, id)).status).toBe(200);
    }, 60_000);
  });
});
