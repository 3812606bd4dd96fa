/**
 * In-process server on 127.0.0.1:0 with a temp data dir and a real SQLite file, or, when
 * SNAPSHOTPLOT_TEST_DATABASE_URL is set (`pnpm test:postgres`), a fresh PostgreSQL database
 * per data dir, connected as the ordinary app role so row-level security applies. Every
 * response through api() and upload() is checked against openapi.json (openapi-validator.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ErrorBody, PublishResponse } from '@snapshotplot/api-client';
import { afterAll } from 'vitest';
import { createServiceToken } from '../src/auth/service-tokens.js';
import { makeConfig, type ServerConfigInput } from '../src/config.js';
import { type RunningServer, type StartOptions, startServer } from '../src/server.js';
import { registerTestDatabase } from '../src/testing.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { assertDocumented } from './openapi-validator.js';
import { objectsUnder, suiteStorage } from './s3-env.js';

/** The backend this run tests: 'postgres' under `pnpm test:postgres`, else 'sqlite'. */
export const BACKEND: 'sqlite' | 'postgres' = testDatabaseAdminUrl() ? 'postgres' : 'sqlite';

/** Databases by data dir, so a harness restarted on the same dir finds its data again. */
const databases = new Map<string, Awaited<ReturnType<typeof createTestDatabase>>>();

/** The PostgreSQL URL for a data dir under `pnpm test:postgres` (created on first use). */
export async function databaseFor(dataDir: string): Promise<string | undefined> {
  const admin = testDatabaseAdminUrl();
  if (!admin) return undefined;
  let db = databases.get(dataDir);
  if (!db) {
    db = await createTestDatabase(admin);
    databases.set(dataDir, db);
    registerTestDatabase(dataDir, db.url);
  }
  return db.url;
}

async function dropDatabaseFor(dataDir: string): Promise<void> {
  const db = databases.get(dataDir);
  databases.delete(dataDir);
  registerTestDatabase(dataDir, undefined);
  await db?.drop();
}

// Databases of harnesses given their own data dir (restart tests) outlive close(): drop them
// when the test file ends (registered once per file, which imports this module once).
afterAll(async () => {
  for (const dataDir of [...databases.keys()]) await dropDatabaseFor(dataDir).catch(() => {});
});

export interface Harness {
  url: string;
  dataDir: string;
  server: RunningServer;
  projectId: string;
  /** A publisher token on projectId. */
  token: string;
  project(id: string): Promise<string>;
  tokenFor(
    projectId: string,
    role?: 'reader' | 'publisher' | 'admin',
    expiresAt?: string,
  ): Promise<string>;
  api(
    method: string,
    path: string,
    o?: {
      token?: string | null;
      json?: unknown;
      body?: RequestInit['body'];
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  /** Files under files/ (relative), excluding .tmp itself but including its contents. */
  files(): Promise<string[]>;
  close(): Promise<void>;
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Where a project stores these bytes: one object per distinct sha256 (storage/objects.ts). */
export const objectOf = (projectId: string, bytes: Buffer | string) => {
  const digest = sha256(bytes);
  return `objects/${projectId}/${digest.slice(0, 2)}/${digest}`;
};

async function walk(dir: string, root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, root)));
    else out.push(relative(root, p));
  }
  return out.sort();
}

/** Starts a server; `config` overrides the defaults (port 0, silent logs). */
export async function startHarness(
  o: {
    config?: Partial<ServerConfigInput>;
    wrapStorage?: StartOptions['wrapStorage'];
    logger?: StartOptions['logger'];
    webhooks?: StartOptions['webhooks'];
    now?: () => Date;
    dataDir?: string;
  } = {},
): Promise<Harness> {
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'sp-server-test-')));
  const config = makeConfig({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl: await databaseFor(dataDir),
    logLevel: 'silent',
    shutdownTimeoutMs: 2000,
    ...o.config,
  });
  // `pnpm test:s3`: the same tests with the files in S3 (see s3-env.ts).
  const storage = suiteStorage(dataDir);
  const server = await startServer({
    config,
    storage,
    wrapStorage: o.wrapStorage,
    now: o.now,
    logger: o.logger,
    webhooks: o.webhooks,
    checkResponses: true,
  });
  const store = server.context.store;
  const now = () => (o.now ?? (() => new Date()))();
  const h: Harness = {
    url: server.url,
    dataDir,
    server,
    projectId: '',
    token: '',
    async project(id) {
      await store.createProject({ id, name: id, owner_id: null, created_at: now().toISOString() });
      return id;
    },
    async tokenFor(projectId, role = 'publisher', expiresAt) {
      return (
        await createServiceToken(store, {
          projectId,
          role,
          expiresAt: expiresAt ?? null,
          now: now(),
        })
      ).token;
    },
    async api(method, path, a = {}) {
      const headers: Record<string, string> = { ...a.headers };
      const token = a.token === undefined ? h.token : a.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body = a.body;
      if (a.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(a.json);
      }
      const url = path.startsWith('http') ? path : `${server.url}${path}`;
      const res = await fetch(url, { method, headers, body });
      await assertDocumented(method, url, res);
      return res;
    },
    files: () =>
      storage?.url
        ? objectsUnder(storage.url)
        : walk(join(dataDir, 'files'), join(dataDir, 'files')),
    async close() {
      await server.close();
      if (!o.dataDir) {
        await rm(dataDir, { recursive: true, force: true });
        await dropDatabaseFor(dataDir);
      }
    },
  };
  h.projectId = await h.project('proj_test');
  h.token = await h.tokenFor(h.projectId, 'publisher');
  return h;
}

export const PNG = Buffer.from('\x89PNG\r\n\x1a\nfake-png-bytes-for-tests', 'binary');
export const PY = Buffer.from('import matplotlib\nprint("hi")\n');

/** publish JSON with sensible defaults; returns the parsed body and status. */
export async function publish(
  h: Harness,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  token?: string,
) {
  const res = await h.api('POST', '/api/snapshots/publish', {
    json: { project_id: h.projectId, title: 'Loss curve', ...body },
    headers,
    ...(token ? { token } : {}),
  });
  return {
    res,
    status: res.status,
    body: (await res.json()) as PublishResponse & Partial<ErrorBody>,
  };
}

/** PUT raw bytes to an upload URL. */
export async function upload(
  url: string,
  bytes: Buffer,
  contentType = 'image/png',
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': contentType, ...headers },
    body: bytes,
  });
  await assertDocumented('PUT', url, res);
  return res;
}

/** The error body's code (and status) of a response. */
export async function errorOf(res: Response) {
  const body = (await res.json()) as {
    error: { code: string; message: string; details?: { missing?: string[] } };
  };
  return {
    status: res.status,
    code: body.error?.code,
    message: body.error?.message,
    details: body.error?.details,
  };
}
