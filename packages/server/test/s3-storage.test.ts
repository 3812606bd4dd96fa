/**
 * The Storage contract, one suite over LocalDiskStorage and S3Storage (the latter against a
 * real S3-compatible store: see s3-env.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageChecksumError, StorageLimitError } from '../src/errors.js';
import { LocalDiskStorage } from '../src/storage/local-disk.js';
import type { S3Storage } from '../src/storage/s3-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { sha256 } from './helpers.js';
import { requireS3WhenEnginesRequired, S3_URL, s3TestStorage } from './s3-env.js';

requireS3WhenEnginesRequired();

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

interface Subject {
  storage: Storage;
  /** Every object/file currently stored, temp ones included. */
  list(): Promise<string[]>;
}

const subjects: Array<[string, () => Promise<Subject>]> = [
  [
    'LocalDiskStorage',
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'sp-contract-'));
      dirs.push(root);
      const storage = new LocalDiskStorage(join(root, 'files'));
      await storage.init();
      const { readdir } = await import('node:fs/promises');
      const list = async () =>
        (await readdir(join(root, 'files'), { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name));
      return { storage, list };
    },
  ],
];
if (S3_URL) {
  subjects.push([
    'S3Storage',
    async () => {
      const storage = s3TestStorage();
      return { storage, list: () => listAll(storage) };
    },
  ]);
}

async function listAll(s: S3Storage): Promise<string[]> {
  const r = await s.client.send(
    new ListObjectsV2Command({ Bucket: s.location.bucket, Prefix: `${s.location.prefix}/` }),
  );
  return (r.Contents ?? []).map((o) => o.Key!);
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A body that yields `parts`, then fails like a client that went away. */
function failingBody(parts: Buffer[]): Readable {
  return Readable.from(
    (async function* () {
      yield* parts;
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    })(),
  );
}

describe.each(subjects)('Storage contract: %s', (_name, make) => {
  it('put returns size and sha256; get is byte-exact, whole and ranged; stat; delete', async () => {
    const { storage, list } = await make();
    const data = randomBytes(100_000);
    const r = await storage.put(
      'plots/p/s/plot.png',
      Readable.from([data.subarray(0, 4000), data.subarray(4000)]),
      { maxBytes: 1_000_000, expectedSha256: sha256(data) },
    );
    expect(r).toEqual({ size: data.length, sha256: sha256(data) });
    const whole = await storage.get('plots/p/s/plot.png');
    expect(whole!.size).toBe(data.length);
    expect((await read(whole!.stream)).equals(data)).toBe(true);
    const part = await storage.get('plots/p/s/plot.png', { start: 10, end: 99_990 });
    expect(part!.size).toBe(data.length);
    expect((await read(part!.stream)).equals(data.subarray(10, 99_991))).toBe(true);
    const last = await storage.get('plots/p/s/plot.png', { start: 99_999, end: 99_999 });
    expect((await read(last!.stream)).equals(data.subarray(99_999))).toBe(true);
    expect(await storage.stat('plots/p/s/plot.png')).toEqual({ size: data.length });
    expect(await storage.stat('plots/p/s/missing.png')).toBeNull();
    expect(await storage.get('plots/p/s/missing.png')).toBeNull();
    expect(await list()).toHaveLength(1);
    await storage.delete('plots/p/s/plot.png');
    await storage.delete('plots/p/s/plot.png'); // absent is fine
    expect(await storage.stat('plots/p/s/plot.png')).toBeNull();
    expect(await list()).toEqual([]);
    await storage.check();
  });

  it('stores an empty body and a multipart-sized body exactly', async () => {
    const { storage } = await make();
    expect(await storage.put('code/p/s/code.py', Readable.from([]), { maxBytes: 10 })).toEqual({
      size: 0,
      sha256: sha256(''),
    });
    expect((await storage.stat('code/p/s/code.py'))?.size).toBe(0);
    // Over one 5 MiB part: S3Storage goes multipart; odd chunk sizes cross part borders.
    const big = randomBytes(11 * 1024 * 1024 + 123);
    const chunks = [];
    for (let i = 0; i < big.length; i += 777_777) chunks.push(big.subarray(i, i + 777_777));
    const r = await storage.put('plots/p/big/plot.png', Readable.from(chunks), {
      maxBytes: 20 * 1024 * 1024,
    });
    expect(r).toEqual({ size: big.length, sha256: sha256(big) });
    const got = await read((await storage.get('plots/p/big/plot.png'))!.stream);
    expect(sha256(got)).toBe(sha256(big));
  }, 60_000);

  it('keeps nothing over the limit, on a checksum mismatch or when the body fails', async () => {
    const { storage, list } = await make();
    const six = randomBytes(6 * 1024 * 1024);
    // Over the limit after a full multipart part was already sent.
    await expect(
      storage.put('plots/p/big/plot.png', Readable.from([six, six]), {
        maxBytes: 10 * 1024 * 1024,
      }),
    ).rejects.toBeInstanceOf(StorageLimitError);
    await expect(
      storage.put('plots/p/sum/plot.png', Readable.from([Buffer.from('x')]), {
        maxBytes: 100,
        expectedSha256: sha256('y'),
      }),
    ).rejects.toBeInstanceOf(StorageChecksumError);
    await expect(
      storage.put('plots/p/cut/plot.png', failingBody([six]), { maxBytes: 20 * 1024 * 1024 }),
    ).rejects.toThrow(/aborted/);
    for (const key of ['plots/p/big/plot.png', 'plots/p/sum/plot.png', 'plots/p/cut/plot.png'])
      expect(await storage.stat(key)).toBeNull();
    expect(await list()).toEqual([]);
  }, 60_000);

  it('never shows a partial object under the final key while a body streams', async () => {
    const { storage } = await make();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const data = randomBytes(7 * 1024 * 1024);
    const body = Readable.from(
      (async function* () {
        yield data.subarray(0, 6 * 1024 * 1024);
        await gate;
        yield data.subarray(6 * 1024 * 1024);
      })(),
    );
    const putting = storage.put('plots/p/slow/plot.png', body, { maxBytes: 10 * 1024 * 1024 });
    // Give the first part time to reach the store, then look under the final key.
    await new Promise((r) => setTimeout(r, 300));
    expect(await storage.stat('plots/p/slow/plot.png')).toBeNull();
    release();
    await putting;
    expect(await storage.stat('plots/p/slow/plot.png')).toEqual({ size: data.length });
  }, 60_000);

  it('refuses keys that could leave the root or prefix', async () => {
    const { storage } = await make();
    for (const key of ['../secret.key', 'plots/../../x', '/etc/passwd', '.tmp/x', 'a\\b']) {
      await expect(
        storage.put(key, Readable.from([Buffer.from('x')]), { maxBytes: 10 }),
      ).rejects.toThrow(/outside the/);
    }
  });
});

describe.skipIf(!S3_URL)('S3Storage specifics', () => {
  it('init sweeps only stale temp objects', async () => {
    const storage = s3TestStorage();
    await storage.put('plots/p/s/plot.png', Readable.from([Buffer.from('x')]), { maxBytes: 10 });
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await storage.client.send(
      new PutObjectCommand({
        Bucket: storage.location.bucket,
        Key: `${storage.location.prefix}/.tmp/left-over`,
        Body: 'partial',
      }),
    );
    expect(await storage.init()).toBe(0); // fresh: could be another replica's upload
    expect(await storage.init(new Date(Date.now() + 25 * 3600_000))).toBe(1);
    expect(await listAll(storage)).toEqual([`${storage.location.prefix}/plots/p/s/plot.png`]);
  });
});
