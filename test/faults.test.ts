// Faults under real conditions: a full disk during uploads, and a slow-loris upload.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, createClient } from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import { startTestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FullDisk, startFullDiskServer } from './faults-disk.js';
import {
  countingFetch,
  type RequestStats,
  sha256,
  wait,
  walk,
  writePairs,
} from './load-helpers.js';

const MiB = 1024 * 1024;
let filesDir = '';
beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'snapshotplot-faults-'));
});
afterAll(() => rm(filesDir, { recursive: true, force: true }));

describe('full disk during uploads', () => {
  let disk: FullDisk;
  beforeAll(async () => {
    disk = await startFullDiskServer(16 * MiB);
  });
  afterAll(() => disk?.close());

  it('answers 507/503, keeps nothing partial, and the same upload succeeds once space is freed', async () => {
    const [pair] = await writePairs(filesDir, 1, 12 * MiB);
    const stats: RequestStats = { total: 0, failed: [] };
    const client = createClient({
      baseUrl: disk.url,
      token: disk.token,
      retries: 0,
      fetch: countingFetch(stats),
    });
    const plotSha = sha256(pair!.plotBytes);
    const published = await client.publish({
      project_id: disk.projectId,
      title: 'full disk',
      checksums: { plot: plotSha },
    });
    const url = published.upload_urls.plot!;
    await disk.fill();
    const freeBefore = await disk.freeBytes();
    const upload = () =>
      client.upload(url, pair!.plot, {
        contentType: 'image/png',
        size: pair!.plotBytes.length,
        sha256: plotSha,
      });
    const error = await upload().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect([507, 503]).toContain((error as ApiError).status);
    // Nothing partial kept: no temp file, no artifact file, and the space is given back.
    expect(await readdir(join(disk.dataDir, 'files', '.tmp'))).toEqual([]);
    expect((await walk(join(disk.dataDir, 'files'))).filter((f) => !f.startsWith('.tmp'))).toEqual(
      [],
    );
    if (freeBefore !== null) {
      expect(Math.abs((await disk.freeBytes())! - freeBefore)).toBeLessThan(64 * 1024);
    }
    await disk.free();
    // The same URL still works: a failed upload does not spend it.
    expect((await upload()).sha256).toBe(plotSha);
    const done = await client.finalize({
      project_id: disk.projectId,
      snapshot_id: published.snapshot_id,
    });
    expect(done.snapshot?.status).toBe('ready');
    const stored = await fetch(done.snapshot!.plot_url!);
    expect(sha256(Buffer.from(await stored.arrayBuffer()))).toBe(plotSha);
    expect(stats.failed.some((f) => /PUT .* (507|503)$/.test(f))).toBe(true);
  });

  it("the client's retry publishes once the disk has room again", async () => {
    const [pair] = await writePairs(filesDir, 1, 2 * MiB);
    const stats: RequestStats = { total: 0, failed: [] };
    let freed = 0;
    const client = createClient({
      baseUrl: disk.url,
      token: disk.token,
      retries: 2,
      fetch: countingFetch(stats),
      // The backoff is where the operator frees space; no real waiting.
      sleep: async () => {
        freed++;
        await disk.free();
      },
    });
    await disk.fill();
    const { snapshot } = await publishSnapshot(client, {
      metadata: { project_id: disk.projectId, title: 'full disk retry' },
      plot: pair!.plot,
      code: pair!.code,
    });
    expect(freed).toBeGreaterThan(0);
    expect(
      stats.failed.some((f) => / (507|503)$/.test(f)),
      stats.failed.join(', '),
    ).toBe(true);
    expect(snapshot.status).toBe('ready');
    expect(await readdir(join(disk.dataDir, 'files', '.tmp'))).toEqual([]);
  });
});

describe('slow-loris upload', () => {
  it('is cut off by the server timeout without blocking other uploads', async () => {
    const timeoutMs = 2500;
    const server = await startTestServer({
      env: { SNAPSHOTPLOT_UPLOAD_TIMEOUT_MS: String(timeoutMs) },
    });
    try {
      const project = await server.createProject('loris');
      const token = await server.createToken(project.id);
      const client = createClient({ baseUrl: server.url, token, retries: 0 });
      const slow = await client.publish({ project_id: project.id, title: 'slow' });
      const body = Buffer.alloc(MiB, 7);
      const started = Date.now();
      // Trickle 1 KiB every 50 ms (at most 200 writes = 10 s) until the server cuts us off.
      const cut = new Promise<number>((resolve) => {
        const req = request(slow.upload_urls.plot!, {
          method: 'PUT',
          headers: { 'content-type': 'image/png', 'content-length': body.length },
        });
        req.on('error', () => resolve(Date.now()));
        req.on('close', () => resolve(Date.now()));
        req.on('response', (res) => {
          res.resume();
          resolve(Date.now());
        });
        void (async () => {
          for (let i = 0; i < 200 && !req.destroyed; i++) {
            req.write(body.subarray(i * 1024, (i + 1) * 1024));
            await wait(50);
          }
          req.destroy();
        })();
      });
      // Meanwhile a normal publish with two uploads goes through at once.
      const [pair] = await writePairs(filesDir, 1, 256 * 1024);
      const other = await publishSnapshot(client, {
        metadata: { project_id: project.id, title: 'other' },
        plot: pair!.plot,
        code: pair!.code,
      });
      const otherDone = Date.now();
      const cutAt = await cut;
      expect(other.snapshot.status).toBe('ready');
      expect(otherDone).toBeLessThan(cutAt);
      expect(cutAt - started).toBeGreaterThanOrEqual(timeoutMs - 100);
      expect(cutAt - started).toBeLessThan(timeoutMs + 5000);
      // The server removes the temp file just after cutting the socket: poll (bounded).
      const tmp = join(server.dataDir, 'files', '.tmp');
      for (let i = 0; i < 40 && (await readdir(tmp)).length > 0; i++) await wait(50);
      expect(await readdir(tmp)).toEqual([]);
      // The interrupted upload did not spend its URL.
      await writeFile(join(filesDir, 'slow.png'), body);
      const ok = await client.upload(slow.upload_urls.plot!, join(filesDir, 'slow.png'), {
        contentType: 'image/png',
        size: body.length,
      });
      expect(ok.size).toBe(body.length);
    } finally {
      await server.destroy();
    }
  }, 30_000);
});
