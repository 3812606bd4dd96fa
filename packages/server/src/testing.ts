/**
 * Test helper for every package: runs the BUILT `snapshotplot-server` bin on 127.0.0.1, port 0,
 * with a temp data dir (run `pnpm build` first). Admin commands run through the same bin.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { createTestDatabase, testDatabaseAdminUrl } from './testing-postgres.js';

const run = promisify(execFile);

export interface TestServer {
  url: string;
  dataDir: string;
  pid: number;
  createProject(name?: string): Promise<{ id: string; name: string }>;
  createToken(projectId: string, role?: 'reader' | 'publisher' | 'admin'): Promise<string>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Start again on the same data dir (the port may change; url is updated). */
  restart(): Promise<void>;
  /** Stop (if running) and delete the data dir when this helper created it. */
  destroy(): Promise<void>;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Everything the server wrote to stdout (its JSON log lines) so far. */
  stdout(): string;
  /** How the server process last exited (after stop() or kill()); undefined while it runs. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** The built bin, next to this file's package whether running from src/ or dist/. */
export const SERVER_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const LISTENING = /snapshotplot-server listening on (http:\/\/\S+)/;

/** S3 prefixes of the data dirs this helper started servers on under `pnpm test:s3`. */
const storageUrls = new Map<string, string>();

/**
 * Under `pnpm test:s3` (SNAPSHOTPLOT_TEST_STORAGE=s3) a server without its own --storage
 * stores its files under a fresh prefix of SNAPSHOTPLOT_TEST_S3_URL (kept across restart()).
 */
function testStorageArgs(dataDir: string, args: string[]): string[] {
  const base = process.env.SNAPSHOTPLOT_TEST_S3_URL;
  if (process.env.SNAPSHOTPLOT_TEST_STORAGE !== 's3' || args.includes('--storage')) return [];
  if (!base) throw new Error('SNAPSHOTPLOT_TEST_STORAGE=s3 needs SNAPSHOTPLOT_TEST_S3_URL.');
  const url =
    storageUrls.get(dataDir) ?? `${base.replace(/\/+$/, '')}/${randomBytes(6).toString('hex')}`;
  storageUrls.set(dataDir, url);
  return ['--storage', url];
}

/**
 * PostgreSQL URLs of the data dirs this helper started servers on when
 * SNAPSHOTPLOT_TEST_DATABASE_URL is set: admin commands given `--data-dir D` use D's database.
 */
const databaseUrls = new Map<string, string>();

/** Tells admin commands run for `--data-dir dataDir` to use this database (in-process harnesses). */
export function registerTestDatabase(dataDir: string, url: string | undefined): void {
  if (url) databaseUrls.set(dataDir, url);
  else databaseUrls.delete(dataDir);
}

/** `{DATABASE_URL}` for an admin command's `--data-dir` under `pnpm test:postgres`, else `{}`. */
export function testDatabaseEnv(args: string[]): Record<string, string> {
  const i = args.indexOf('--data-dir');
  const url = i >= 0 ? databaseUrls.get(args[i + 1]!) : undefined;
  return url ? { DATABASE_URL: url } : {};
}

/** Runs an admin command of the built bin and returns its stdout (throws with stderr on failure). */
export async function runServerCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await run(process.execPath, [SERVER_BIN, ...args], {
    env: { ...process.env, ...testDatabaseEnv(args), ...env },
  });
  return stdout;
}

/** Starts the built server; resolves once it prints its listening line. */
export async function startTestServer(
  o: {
    dataDir?: string;
    args?: string[];
    env?: Record<string, string>;
    /**
     * `serve --workers`: 1 unless given (a test server is one process, as before the flag
     * existed, whatever the machine's core count); the cluster tests ask for 2.
     */
    workers?: number;
  } = {},
): Promise<TestServer> {
  const ownDir = !o.dataDir;
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'snapshotplot-server-')));
  let child: ChildProcess | undefined;
  let errText = '';
  let outText = '';
  let lastExit: ReturnType<TestServer['exitStatus']>;
  // Under `pnpm test:postgres`, a fresh database per data dir (kept across restart()).
  const admin = testDatabaseAdminUrl();
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  if (o.env?.DATABASE_URL) databaseUrls.set(dataDir, o.env.DATABASE_URL);
  else if (admin && !databaseUrls.has(dataDir)) {
    database = await createTestDatabase(admin);
    databaseUrls.set(dataDir, database.url);
  }
  const dbEnv = databaseUrls.has(dataDir) ? { DATABASE_URL: databaseUrls.get(dataDir)! } : {};

  const launch = () =>
    new Promise<{ url: string; child: ChildProcess }>((resolve, reject) => {
      const args = [
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        ...testStorageArgs(dataDir, o.args ?? []),
        ...(o.args ?? []),
      ];
      const c = spawn(process.execPath, [SERVER_BIN, ...args], {
        env: {
          ...process.env,
          SNAPSHOTPLOT_LOG_LEVEL: 'warn',
          // Every answer is checked against the contract (http/response-check.ts).
          SNAPSHOTPLOT_CHECK_RESPONSES: '1',
          SNAPSHOTPLOT_WORKERS: String(o.workers ?? 1),
          ...dbEnv,
          ...o.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      c.stdout!.setEncoding('utf8');
      c.stdout!.on('data', (chunk: string) => {
        outText += chunk;
      });
      // A test that forgets stop() must not leave a server running after the test process.
      const reap = () => c.kill('SIGKILL');
      process.once('exit', reap);
      lastExit = undefined;
      c.once('exit', (code, signal) => {
        lastExit = { code, signal };
        process.removeListener('exit', reap);
      });
      let buffer = '';
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (chunk: string) => {
        errText += chunk;
        buffer += chunk;
        const m = LISTENING.exec(buffer);
        if (m) {
          buffer = '';
          resolve({ url: m[1]!, child: c });
        }
      });
      c.once('error', reject);
      c.once('exit', (code) =>
        reject(new Error(`snapshotplot-server exited with ${code} before listening:\n${errText}`)),
      );
    });

  const waitExit = (c: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve();
      else c.once('exit', () => resolve());
    });

  const started = await launch();
  child = started.child;
  const server: TestServer = {
    url: started.url,
    dataDir,
    pid: child.pid!,
    async createProject(name = 'Test project') {
      return JSON.parse(
        await runServerCli(['project', 'create', '--name', name, '--data-dir', dataDir, '--json']),
      );
    },
    async createToken(projectId, role = 'publisher') {
      const out = await runServerCli([
        'token',
        'create',
        '--project',
        projectId,
        '--role',
        role,
        '--data-dir',
        dataDir,
        '--json',
      ]);
      return (JSON.parse(out) as { token: string }).token;
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = undefined;
      c.kill('SIGTERM');
      await waitExit(c);
    },
    async kill() {
      if (!child) return;
      const c = child;
      child = undefined;
      c.kill('SIGKILL');
      await waitExit(c);
    },
    async restart() {
      await server.stop();
      const next = await launch();
      child = next.child;
      server.url = next.url;
      server.pid = next.child.pid!;
    },
    async destroy() {
      await server.stop();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
      if (database) {
        databaseUrls.delete(dataDir);
        await database.drop().catch(() => {});
      }
    },
    stderr: () => errText,
    stdout: () => outText,
    exitStatus: () => lastExit,
  };
  return server;
}

/** A genuine ENOSPC from the kernel (writing to /dev/full always fails with it), for fault tests. */
export function realEnospc(): Error {
  const fd = openSync('/dev/full', 'w');
  try {
    writeSync(fd, Buffer.from('x'));
  } catch (error) {
    return error as Error;
  } finally {
    closeSync(fd);
  }
  throw new Error('/dev/full accepted a write');
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Buffer) => {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/**
 * A width×height RGB PNG drawn by `pixel(x, y)` → [r, g, b], encoded with node:zlib only
 * (synchronous, no image library in the calling package): plots for review and diff tests.
 */
export function testPng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => readonly number[],
): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
