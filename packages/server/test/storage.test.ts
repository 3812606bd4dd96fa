import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { StorageChecksumError, StorageLimitError } from '../src/errors.js';
import { LocalDiskStorage } from '../src/storage/local-disk.js';
import { sha256 } from './helpers.js';

let root: string;
let storage: LocalDiskStorage;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-storage-'));
  storage = new LocalDiskStorage(join(root, 'files'));
  await storage.init();
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('LocalDiskStorage', () => {
  it('stores atomically with size and sha256, reads ranges back', async () => {
    const data = Buffer.from('0123456789');
    const r = await storage.put(
      'plots/p/s/plot.png',
      Readable.from([data.subarray(0, 4), data.subarray(4)]),
      { maxBytes: 100 },
    );
    expect(r).toEqual({ size: 10, sha256: sha256(data) });
    const got = await storage.get('plots/p/s/plot.png', { start: 2, end: 4 });
    const chunks: Buffer[] = [];
    for await (const c of got!.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('234');
    expect(await storage.stat('plots/p/s/missing.png')).toBeNull();
  });

  it('keeps nothing over the limit or on a checksum mismatch', async () => {
    await expect(
      storage.put('plots/p/big/plot.png', Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), {
        maxBytes: 100,
      }),
    ).rejects.toBeInstanceOf(StorageLimitError);
    await expect(
      storage.put('plots/p/sum/plot.png', Readable.from([Buffer.from('x')]), {
        maxBytes: 100,
        expectedSha256: sha256('y'),
      }),
    ).rejects.toBeInstanceOf(StorageChecksumError);
    expect(await storage.stat('plots/p/big/plot.png')).toBeNull();
    expect(await storage.stat('plots/p/sum/plot.png')).toBeNull();
    expect(await readdir(join(root, 'files', '.tmp'))).toEqual([]);
  });

  describe('a large body', () => {
    // 40 MiB in 64 KiB chunks, as a socket delivers them: more than twice the 16 MiB between background syncs.
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 640;
    const body = () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < chunks; i++) yield chunk;
        })(),
      );
    const expected = createHash('sha256');
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    const digest = expected.digest('hex');
    afterEach(() => vi.restoreAllMocks());

    /** FileHandle is not exported; its prototype is reachable through an open handle. */
    async function fileHandleProto() {
      const handle = await open(join(root, 'probe'), 'w');
      await handle.close();
      return Object.getPrototypeOf(handle) as { datasync(): Promise<void>; sync(): Promise<void> };
    }

    it('is flushed while it streams, then fsynced once before put resolves', async () => {
      const proto = await fileHandleProto();
      const calls: string[] = [];
      const datasync = proto.datasync;
      const sync = proto.sync;
      vi.spyOn(proto, 'datasync').mockImplementation(function (this: unknown) {
        calls.push('datasync');
        return datasync.call(this);
      });
      vi.spyOn(proto, 'sync').mockImplementation(function (this: unknown) {
        calls.push('sync');
        return sync.call(this);
      });
      const r = await storage.put('plots/p/large/plot.png', body(), { maxBytes: 64 << 20 });
      expect(r).toEqual({ size: chunks * chunk.length, sha256: digest });
      // Background flushes during the body, then the fsync (file) and the directory's fsync.
      expect(calls.filter((c) => c === 'datasync').length).toBeGreaterThanOrEqual(1);
      expect(calls.slice(-2)).toEqual(['sync', 'sync']);
      const stored = await readFile(join(root, 'files', 'plots/p/large/plot.png'));
      expect(createHash('sha256').update(stored).digest('hex')).toBe(digest);
    });

    it('fails and keeps nothing when a background flush fails', async () => {
      const proto = await fileHandleProto();
      vi.spyOn(proto, 'datasync').mockRejectedValue(
        Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }),
      );
      await expect(
        storage.put('plots/p/eio/plot.png', body(), { maxBytes: 64 << 20 }),
      ).rejects.toMatchObject({ code: 'EIO' });
      expect(await storage.stat('plots/p/eio/plot.png')).toBeNull();
      expect(await readdir(join(root, 'files', '.tmp'))).toEqual([]);
    });
  });

  it('refuses keys that could leave the data dir', async () => {
    for (const key of [
      '../secret.key',
      'plots/../../x',
      '/etc/passwd',
      'plots/p/s/plot.png/..',
      'a\\b',
    ]) {
      await expect(
        storage.put(key, Readable.from([Buffer.from('x')]), { maxBytes: 10 }),
      ).rejects.toThrow(/outside the data dir/);
      await expect(storage.get(key)).rejects.toThrow(/outside the data dir/);
    }
  });

  it('sweeps temp files left by a crash at start-up', async () => {
    await writeFile(join(root, 'files', '.tmp', 'left-over.part'), 'partial');
    expect(await new LocalDiskStorage(join(root, 'files')).init()).toBe(1);
    expect(await readdir(join(root, 'files', '.tmp'))).toEqual([]);
  });
});
