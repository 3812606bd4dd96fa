/**
 * A file rewritten between planning (where it is hashed, once) and its upload, against a real
 * server: the publish fails with a clear error naming the file, the server keeps none of the
 * new bytes, and publishing again (a new plan) stores exactly the new file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiError,
  createClient,
  InputError,
  type Snapshot,
  type SnapshotplotClient,
} from '@snapshotplot/api-client';
import { planPublish, publishSnapshot } from '@snapshotplot/core';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from './helpers/e2e-setup.js';

let server: TestServer;
let project: string;
let client: SnapshotplotClient;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  project = (await server.createProject('changed files')).id;
  const token = await server.createToken(project, 'publisher');
  client = createClient({ baseUrl: server.url, token, retries: 0 });
  dir = await mkdtemp(join(tmpdir(), 'sp-changed-'));
});
afterAll(async () => {
  await server?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A PNG of `size` bytes whose tail is `fill` (the server checks the type by extension). */
const png = (size: number, fill: number) =>
  Buffer.concat([PNG, Buffer.alloc(size - PNG.length, fill)]);

/** Plans one plot, counting every open of it; `onOpen(n)` runs before open number n. */
async function plan(path: string, title: string, onOpen: (n: number) => void = () => {}) {
  let opens = 0;
  const open = (p: string) => {
    onOpen(++opens);
    return createReadStream(p);
  };
  const { items } = await planPublish({ plot: path, title }, { cwd: dir, open });
  return { item: items[0]!, open, opens: () => opens };
}

async function snapshotTitled(title: string): Promise<Snapshot> {
  const page = await client.listSnapshots(project, { limit: 100 });
  const found = page.data.find((s) => s.title === title);
  if (!found) throw new Error(`no snapshot titled ${title}`);
  return found;
}

const metadata = (title: string) => ({ project_id: project, title, commit_sha: 'c0ffee1' });

describe('a plot changed after it was hashed', () => {
  it('another size: refused before a byte is sent, then published anew', async () => {
    const path = join(dir, 'grown.png');
    writeFileSync(path, png(4096, 1));
    const p = await plan(path, 'grown');
    expect(p.opens()).toBe(1); // hashed once, while planning
    writeFileSync(path, png(8192, 2)); // the plotting script wrote it again
    const error = await publishSnapshot(client, {
      metadata: metadata('grown'),
      inspected: p.item.inspected,
      open: p.open,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'file_changed', path });
    expect((error as Error).message).toMatch(
      /plot file .*grown\.png changed after it was checked \(4 KiB then, 8 KiB now\).*nothing of it was stored.*Publish again/,
    );
    expect(p.opens()).toBe(1); // not opened for the upload
    const pending = await snapshotTitled('grown');
    expect(pending).toMatchObject({ status: 'pending', files: { plot: null } });

    // Nothing lost: a new plan hashes the new bytes and they are what the server keeps.
    const again = await plan(path, 'grown');
    const { snapshot } = await publishSnapshot(client, {
      metadata: metadata('grown'),
      inspected: again.item.inspected,
      open: again.open,
    });
    expect(again.opens()).toBe(2); // hash, then one streamed PUT
    expect(snapshot.status).toBe('ready');
    expect(snapshot.files.plot).toMatchObject({ size: 8192, sha256: sha256(readFileSync(path)) });
  });

  it('the same size, rewritten as the upload starts: the server refuses it, the error names the file', async () => {
    const path = join(dir, 'rewritten.png');
    writeFileSync(path, png(4096, 3));
    // Open 2 is the upload's: the file changes after the client's check, before it is read.
    const p = await plan(path, 'rewritten', (n) => {
      if (n === 2) writeFileSync(path, png(4096, 4));
    });
    const error = await publishSnapshot(client, {
      metadata: metadata('rewritten'),
      inspected: p.item.inspected,
      open: p.open,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'file_changed', path });
    expect((error as Error).message).toMatch(/rewritten\.png changed after it was checked/);
    expect(await snapshotTitled('rewritten')).toMatchObject({
      status: 'pending',
      files: { plot: null },
    });
  });

  it('the same size and modification time (invisible locally): the server still refuses the bytes', async () => {
    const path = join(dir, 'sneaky.png');
    // Whole seconds, so that setting the time back is exact.
    const then = Math.floor(Date.now() / 1000) - 60;
    writeFileSync(path, png(4096, 5));
    utimesSync(path, then, then);
    const p = await plan(path, 'sneaky');
    writeFileSync(path, png(4096, 6));
    utimesSync(path, then, then);
    expect(statSync(path).mtimeMs).toBe(p.item.plot!.mtimeMs);
    const error = await publishSnapshot(client, {
      metadata: metadata('sneaky'),
      inspected: p.item.inspected,
      open: p.open,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'checksum_mismatch' });
    expect(await snapshotTitled('sneaky')).toMatchObject({
      status: 'pending',
      files: { plot: null },
    });
    // No stored object and no temp file left behind by any of the refusals.
    const objects = join(server.dataDir, 'files', 'objects', project);
    const stored = await readdir(objects, { recursive: true }).catch(() => []);
    expect(stored.filter((f) => /[0-9a-f]{64}$/.test(String(f)))).toHaveLength(1); // grown's
    expect(await readdir(join(server.dataDir, 'files', '.tmp'))).toEqual([]);
  });
});
