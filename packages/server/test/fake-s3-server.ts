/**
 * A real server on the in-process fake S3 (fake-s3.ts), on either database, with one project
 * and a publisher and an admin token: the setup every S3-storage test file shares.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceToken } from '../src/auth/service-tokens.js';
import { makeConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import { resolveStorageSettings } from '../src/storage/open-storage.js';
import { type FakeS3, startFakeS3 } from './fake-s3.js';
import { databaseFor } from './helpers.js';

type StorageFlags = Parameters<typeof resolveStorageSettings>[0];

export interface FakeS3Server {
  s3: FakeS3;
  server: RunningServer;
  dataDir: string;
  /** publisher */
  token: string;
  admin: string;
  close(): Promise<void>;
}

/** Starts the fake S3 and a server storing in its bucket `fake-bucket/sp`; `flags` add to the S3 flags. */
export async function startOnFakeS3(o: {
  projectId: string;
  flags?: Omit<StorageFlags, 'storage' | 's3Endpoint'>;
}): Promise<FakeS3Server> {
  const s3 = await startFakeS3();
  const dataDir = await mkdtemp(join(tmpdir(), 'sp-fake-s3-'));
  const storage = resolveStorageSettings(
    { storage: 's3://fake-bucket/sp', s3Endpoint: s3.url, ...o.flags },
    { AWS_ACCESS_KEY_ID: 'fake', AWS_SECRET_ACCESS_KEY: 'fake-secret' },
  );
  const server = await startServer({
    config: makeConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      databaseUrl: await databaseFor(dataDir),
      logLevel: 'silent',
      shutdownTimeoutMs: 2000,
    }),
    storage,
  });
  const store = server.context.store;
  await store.createProject({
    id: o.projectId,
    name: o.projectId,
    owner_id: null,
    created_at: new Date().toISOString(),
  });
  const tokenOf = async (role: 'publisher' | 'admin') =>
    (
      await createServiceToken(store, {
        projectId: o.projectId,
        role,
        expiresAt: null,
        now: new Date(),
      })
    ).token;
  return {
    s3,
    server,
    dataDir,
    token: await tokenOf('publisher'),
    admin: await tokenOf('admin'),
    async close() {
      await server.close();
      await s3.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
