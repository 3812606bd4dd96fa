/**
 * Storage on the local disk: a temp file in `<root>/.tmp` (same filesystem, so rename is
 * atomic), sha256 and byte count computed while streaming, fsync, then rename into place.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { StorageChecksumError, StorageLimitError } from '../errors.js';
import {
  isStorageKey,
  type PutOptions,
  type PutResult,
  type StagedBytes,
  type Storage,
} from './storage.js';

/**
 * Removes a file that may already be gone. One unlink: `rm(…, { force: true })` walks the
 * path as a tree (an lstat, then the unlink). An upload of bytes already stored drops its
 * temp file, and that lstat was 2.2 % of the server's busy time under the publish benchmark
 * (bench/README.md, fifth pass).
 */
async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** A received temp file: `close` closes it once, `drop` closes it and removes it. */
function tempFile(r: { file: FileHandle; tmp: string }) {
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= r.file.close();
    return closed;
  };
  return {
    close,
    drop: async () => {
      await close().catch(() => {});
      await removeFile(r.tmp);
    },
  };
}

export class LocalDiskStorage implements Storage {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, '.tmp');
  }

  /**
   * Creates the folders and removes temp files a crash left behind. Call once at start-up;
   * `sweep: false` for a process that starts beside others uploading (a cluster worker).
   */
  async init(o: { sweep?: boolean } = {}): Promise<number> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    if (o.sweep === false) return 0;
    const leftovers = await readdir(this.tmpDir);
    await Promise.all(leftovers.map((f) => rm(join(this.tmpDir, f), { force: true })));
    return leftovers.length;
  }

  /** The absolute path of a key; refuses anything that could leave the root. */
  private path(key: string): string {
    const full = resolve(this.root, key);
    if (!isStorageKey(key) || !full.startsWith(this.root + sep)) {
      throw new Error(`refusing storage key outside the data dir: ${JSON.stringify(key)}`);
    }
    return full;
  }

  async put(key: string, body: Readable, o: PutOptions): Promise<PutResult> {
    const target = this.path(key);
    const r = await this.receive(body, o);
    const temp = tempFile(r);
    try {
      await r.file.sync();
      await temp.close();
      await this.place(r.tmp, target);
      return { size: r.size, sha256: r.sha256 };
    } catch (error) {
      await temp.drop();
      throw error;
    }
  }

  /**
   * Content-addressed upload: the bytes stay in their temp file until `settle(key)`. When
   * `keyOf(sha256)` exists already (the same bytes stored before, the common case of an
   * unchanged plot), the temp file is dropped without an fsync or a rename; otherwise it is
   * fsynced at once, outside the object's lock, and renamed into place by `settle`.
   */
  async stage(
    body: Readable,
    o: PutOptions,
    keyOf: (sha256: string) => string,
  ): Promise<StagedBytes> {
    const r = await this.receive(body, o);
    const temp = tempFile(r);
    let synced = false;
    try {
      if (!(await this.stat(keyOf(r.sha256)))) {
        await r.file.sync();
        synced = true;
      }
    } catch (error) {
      await temp.drop();
      throw error;
    }
    // settle or discard, whichever comes first, disposes of the temp file; the other is a no-op.
    let done = false;
    return {
      size: r.size,
      sha256: r.sha256,
      settle: async (key) => {
        if (done) return;
        done = true;
        try {
          const target = this.path(key);
          if (await this.stat(key)) return await temp.drop();
          if (!synced) await r.file.sync();
          await temp.close();
          await this.place(r.tmp, target);
        } catch (error) {
          await temp.drop().catch(() => {});
          throw error;
        }
      },
      discard: async () => {
        if (done) return;
        done = true;
        await temp.drop().catch(() => {});
      },
    };
  }

  /** Renames a synced temp file to `target` and syncs the directory, so the name survives. */
  private async place(tmp: string, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(tmp, target);
    await this.syncDir(dirname(target));
  }

  /**
   * Streams the body into a new temp file through sha256 and the size cap; returns the open
   * (unsynced) file. On a refusal or failure the temp file is gone and the error thrown.
   */
  private async receive(body: Readable, o: PutOptions) {
    const tmp = join(this.tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    // The body may fail (client gone, multipart cut) while the temp file opens, before the
    // loop below listens: an unheard 'error' would kill the process. The loop still sees it.
    const ignore = () => {};
    body.on('error', ignore);
    let file: FileHandle;
    try {
      file = await open(tmp, 'wx', 0o600); // the server's user only (README: files at rest)
    } catch (error) {
      body.off('error', ignore);
      throw error;
    }
    // Like fs.WriteStream under pipe(): one write in flight while the next chunks are read and
    // hashed, and those that arrived meanwhile go out in one writev: fewer syscalls and promise
    // round trips than awaiting each 64 KiB write (~10 % less CPU per upload: bench/README.md).
    // At most ~1 MiB waits.
    let queued: Buffer[] = [];
    let queuedBytes = 0;
    let writing: Promise<void> | undefined;
    const startWrite = () => {
      const batch = queued;
      queued = [];
      queuedBytes = 0;
      const w = file.writev(batch).then(() => {
        if (writing === w) writing = undefined;
      });
      w.catch(() => {}); // a failure surfaces at the next await of `writing`, never unhandled
      writing = w;
    };
    try {
      // On a failure, leave the body undestroyed: the caller may drain it and still answer.
      for await (const chunk of body.iterator({ destroyOnReturn: false })) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > o.maxBytes) throw new StorageLimitError(o.maxBytes);
        hash.update(buf);
        queued.push(buf);
        queuedBytes += buf.length;
        if (queuedBytes >= 1024 * 1024) await writing;
        if (!writing) startWrite();
      }
      while (writing || queued.length) {
        await writing;
        if (queued.length) startWrite();
      }
      const sha256 = hash.digest('hex');
      if (o.expectedSha256 && o.expectedSha256 !== sha256) {
        throw new StorageChecksumError(o.expectedSha256, sha256);
      }
      return { tmp, file, size, sha256 };
    } catch (error) {
      await writing?.catch(() => {});
      await file.close().catch(() => {});
      await removeFile(tmp);
      throw error;
    } finally {
      body.off('error', ignore);
    }
  }

  /** fsync the directory so the rename itself survives a power loss. */
  private async syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async get(key: string, range?: { start: number; end: number }) {
    const path = this.path(key);
    const info = await this.stat(key);
    if (!info) return null;
    const stream = createReadStream(path, range ? { start: range.start, end: range.end } : {});
    return { stream, size: info.size };
  }

  async stat(key: string) {
    try {
      const s = await stat(this.path(key));
      return { size: s.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.path(from);
    const target = this.path(to);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(source, target); // same filesystem: atomic, readers see old or new, never half
    await this.syncDir(dirname(target));
    await rmdir(dirname(source)).catch(() => {});
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await removeFile(path);
    // Drop the now-empty snapshot (or object fan-out) folder; a non-empty one stays.
    await rmdir(dirname(path)).catch(() => {});
  }

  async check(): Promise<void> {
    const probe = join(this.tmpDir, `health-${randomBytes(6).toString('hex')}`);
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
    await removeFile(probe);
  }
}
