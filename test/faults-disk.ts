/**
 * A server whose disk can be filled and freed, for the full-disk fault test. Preferred: the
 * spawned server on a real 32 MiB tmpfs (needs root and mount); otherwise an in-process server
 * whose storage fails with a real ENOSPC (from /dev/full) while "full".
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, rmdir, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import { makeConfig, type Storage, startServer } from 'snapshotplot-server';
import { realEnospc, runServerCli, startTestServer } from 'snapshotplot-server/testing';

const run = promisify(execFile);

export interface FullDisk {
  mode: 'tmpfs' | 'wrapper';
  url: string;
  dataDir: string;
  projectId: string;
  token: string;
  /** Leaves almost no free space (tmpfs: a filler file; wrapper: every write fails). */
  fill(): Promise<void>;
  free(): Promise<void>;
  /** Free bytes of the data dir's file system (tmpfs), null for the wrapper. */
  freeBytes(): Promise<number | null>;
  close(): Promise<void>;
}

async function credentials(dataDir: string) {
  const project = JSON.parse(
    await runServerCli(['project', 'create', '--name', 'disk', '--data-dir', dataDir, '--json']),
  ) as { id: string };
  const token = JSON.parse(
    await runServerCli([
      'token',
      'create',
      '--project',
      project.id,
      '--data-dir',
      dataDir,
      '--json',
    ]),
  ) as { token: string };
  return { projectId: project.id, token: token.token };
}

async function tmpfsDisk(mount: string, maxUpload: number): Promise<FullDisk> {
  await run('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mount]);
  const server = await startTestServer({
    dataDir: mount,
    args: ['--max-upload-bytes', String(maxUpload)],
  });
  const filler = join(mount, 'filler.bin');
  const available = async () => {
    const s = await statfs(mount);
    return s.bavail * s.bsize;
  };
  return {
    mode: 'tmpfs',
    url: server.url,
    dataDir: mount,
    ...(await credentials(mount)),
    async fill() {
      // Leave 256 KiB: enough for SQLite's small writes, far too little for an artifact.
      const file = await open(filler, 'w');
      await file.write(Buffer.alloc((await available()) - 256 * 1024, 1));
      await file.close();
    },
    free: () => rm(filler, { force: true }),
    freeBytes: available,
    async close() {
      await server.destroy();
      await run('umount', [mount]);
      await rmdir(mount);
    },
  };
}

async function wrapperDisk(dir: string, maxUpload: number): Promise<FullDisk> {
  let full = false;
  const wrap = (inner: Storage): Storage => ({
    get: inner.get.bind(inner),
    stat: inner.stat.bind(inner),
    delete: inner.delete.bind(inner),
    check: inner.check.bind(inner),
    put(key, body, o) {
      if (!full) return inner.put(key, body, o);
      // Some bytes reach the temp file, then the "disk" is full, as on a real device.
      let seen = 0;
      const failing = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          seen += chunk.length;
          cb(seen > 64 * 1024 ? realEnospc() : null, chunk);
        },
      });
      body.pipe(failing);
      body.once('error', (e) => failing.destroy(e));
      return inner.put(key, failing, o);
    },
  });
  const creds = await credentials(dir);
  const config = makeConfig({
    port: 0,
    dataDir: dir,
    logLevel: 'silent',
    maxUploadBytes: maxUpload,
  });
  const server = await startServer({ config, wrapStorage: wrap });
  return {
    mode: 'wrapper',
    url: server.url,
    dataDir: dir,
    ...creds,
    fill: async () => {
      full = true;
    },
    free: async () => {
      full = false;
    },
    freeBytes: async () => null,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A tmpfs-backed server where mounting works (root), else the ENOSPC storage wrapper. */
export async function startFullDiskServer(maxUpload: number): Promise<FullDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'snapshotplot-fulldisk-'));
  if (process.env.SNAPSHOTPLOT_TEST_NO_TMPFS !== '1') {
    try {
      return await tmpfsDisk(dir, maxUpload);
    } catch {
      await run('umount', [dir]).catch(() => {});
    }
  }
  return wrapperDisk(dir, maxUpload);
}
