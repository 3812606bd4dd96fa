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

  it('stages content-addressed bytes: a new object is named by settle, known bytes only dropped', async () => {
    const keyOf = (h: string) => `objects/p/${h.slice(0, 2)}/${h}`;
    const tmp = () => readdir(join(root, 'files', '.tmp'));
    const data = Buffer.from('staged bytes');
    const first = await storage.stage(Readable.from([data]), { maxBytes: 100 }, keyOf);
    expect(first).toMatchObject({ size: data.length, sha256: sha256(data) });
    expect(await storage.stat(keyOf(first.sha256))).toBeNull(); // not named before settle
    await first.settle(keyOf(first.sha256));
    expect(await storage.stat(keyOf(first.sha256))).toEqual({ size: data.length });
    expect(await tmp()).toEqual([]);

    // The same bytes again: settle drops the temp file and leaves the object as it was.
    const again = await storage.stage(Readable.from([data]), { maxBytes: 100 }, keyOf);
    expect(await tmp()).toHaveLength(1);
    await again.settle(keyOf(again.sha256));
    await again.discard(); // after settle: nothing left to do
    expect(await tmp()).toEqual([]);
    expect(await storage.stat(keyOf(first.sha256))).toEqual({ size: data.length });

    // Known when received but deleted before settle: settle still names the bytes.
    const raced = await storage.stage(Readable.from([data]), { maxBytes: 100 }, keyOf);
    await storage.delete(keyOf(first.sha256));
    await raced.settle(keyOf(raced.sha256));
    const got = await storage.get(keyOf(raced.sha256));
    const chunks: Buffer[] = [];
    for await (const c of got!.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);

    // Discarded, refused by checksum or by size: no temp file stays.
    const dropped = await storage.stage(
      Readable.from([Buffer.from('other')]),
      { maxBytes: 100 },
      keyOf,
    );
    await dropped.discard();
    await expect(
      storage.stage(
        Readable.from([data]),
        { maxBytes: 100, expectedSha256: 'f'.repeat(64) },
        keyOf,
      ),
    ).rejects.toBeInstanceOf(StorageChecksumError);
    await expect(
      storage.stage(Readable.from([Buffer.alloc(200)]), { maxBytes: 100 }, keyOf),
    ).rejects.toBeInstanceOf(StorageLimitError);
    expect(await tmp()).toEqual([]);
    expect(await storage.stat(keyOf(sha256(Buffer.from('other'))))).toBeNull();
  });
});
