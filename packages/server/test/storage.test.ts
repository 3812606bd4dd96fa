import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
