/**
 * Two built servers (run `pnpm build` first) on one fresh PostgreSQL database and one shared
 * files dir, for the replicas tests. PostgreSQL only: skipped without
 * SNAPSHOTPLOT_TEST_DATABASE_URL, a failure when SNAPSHOTPLOT_REQUIRE_ENGINES=1 (CI).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';

export const admin = testDatabaseAdminUrl();

/** Call at the top of a replicas test file: CI (REQUIRE_ENGINES) fails loudly without PostgreSQL. */
export function requirePostgres(): void {
  if (!admin && process.env.SNAPSHOTPLOT_REQUIRE_ENGINES === '1') {
    it('has a PostgreSQL to test against', () => {
      throw new Error(
        'SNAPSHOTPLOT_REQUIRE_ENGINES=1 but SNAPSHOTPLOT_TEST_DATABASE_URL is not set: run `export SNAPSHOTPLOT_TEST_DATABASE_URL=$(.ci/start-postgres.sh)` first.',
      );
    });
  }
}

export interface Replicas {
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  dataDir: string;
  a: TestServer;
  b: TestServer;
  projectId: string;
  /** An admin token of projectId. */
  token: string;
  /** The environment every replica shares (database, secret, private webhooks allowed). */
  env(): Record<string, string>;
  api(server: TestServer, method: string, path: string, json?: unknown): Promise<Response>;
  /** An upload URL of one replica, sent to another (the load balancer's choice). */
  via(server: TestServer, url: string): string;
  publishOn(
    server: TestServer,
    body: Record<string, unknown>,
  ): Promise<{ status: number; body: { snapshot_id: string; upload_urls: { plot: string } } }>;
}

/** Registers beforeAll/afterAll (inside a describe) that start and stop two replicas. */
export function useReplicas(): Replicas {
  const r = {
    env: () => ({
      DATABASE_URL: r.database.url,
      SNAPSHOTPLOT_SECRET: 'replicas-test-secret-0123456789abcdefghij',
      SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS: '1',
    }),
    api: (server, method, path, json) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${r.token}`, 'content-type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
      }),
    via: (server, url) => url.replace(/^http:\/\/[^/]+/, server.url),
    async publishOn(server, body) {
      const res = await r.api(server, 'POST', '/api/snapshots/publish', {
        project_id: r.projectId,
        artifacts: { plot: true, code: false },
        ...body,
      });
      return { status: res.status, body: (await res.json()) as never };
    },
  } as Replicas;

  beforeAll(async () => {
    r.database = await createTestDatabase(admin!);
    r.dataDir = await mkdtemp(join(tmpdir(), 'sp-replicas-'));
    [r.a, r.b] = await Promise.all([
      startTestServer({ dataDir: r.dataDir, env: r.env() }),
      startTestServer({ dataDir: r.dataDir, env: r.env() }),
    ]);
    r.projectId = (await r.a.createProject('Replicas')).id;
    r.token = await r.a.createToken(r.projectId, 'admin');
  });

  afterAll(async () => {
    await Promise.all([r.a?.stop(), r.b?.stop()]);
    if (r.dataDir) await rm(r.dataDir, { recursive: true, force: true });
    await r.database?.drop();
  });
  return r;
}
