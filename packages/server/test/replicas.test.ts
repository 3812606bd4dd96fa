/**
 * Two built servers (run `pnpm build` first) on one PostgreSQL database and one shared files
 * dir: what a load balancer in front of N replicas relies on. PostgreSQL only: skipped without
 * SNAPSHOTPLOT_TEST_DATABASE_URL, a failure when SNAPSHOTPLOT_REQUIRE_ENGINES=1 (CI).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runServerCli, startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { openEvents } from './events-helpers.js';
import { type Harness, PNG, sha256 } from './helpers.js';
import { cli, eventually, startReceiver } from './webhooks-helpers.js';

const admin = testDatabaseAdminUrl();

if (!admin && process.env.SNAPSHOTPLOT_REQUIRE_ENGINES === '1') {
  it('has a PostgreSQL to test against', () => {
    throw new Error(
      'SNAPSHOTPLOT_REQUIRE_ENGINES=1 but SNAPSHOTPLOT_TEST_DATABASE_URL is not set: run `export SNAPSHOTPLOT_TEST_DATABASE_URL=$(.ci/start-postgres.sh)` first.',
    );
  });
}

describe.skipIf(!admin)('two replicas on one PostgreSQL database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let a: TestServer;
  let b: TestServer;
  let projectId: string;
  let token: string;
  const env = () => ({
    DATABASE_URL: database.url,
    SNAPSHOTPLOT_SECRET: 'replicas-test-secret-0123456789abcdefghij',
    SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS: '1',
  });

  beforeAll(async () => {
    database = await createTestDatabase(admin!);
    dataDir = await mkdtemp(join(tmpdir(), 'sp-replicas-'));
    [a, b] = await Promise.all([
      startTestServer({ dataDir, env: env() }),
      startTestServer({ dataDir, env: env() }),
    ]);
    projectId = (await a.createProject('Replicas')).id;
    token = await a.createToken(projectId, 'admin');
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await rm(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  const api = (server: TestServer, method: string, path: string, json?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  /** An upload URL of one replica, sent to another (the load balancer's choice). */
  const via = (server: TestServer, url: string) => url.replace(/^http:\/\/[^/]+/, server.url);
  const publishOn = async (server: TestServer, body: Record<string, unknown>) => {
    const res = await api(server, 'POST', '/api/snapshots/publish', {
      project_id: projectId,
      artifacts: { plot: true, code: false },
      ...body,
    });
    return {
      status: res.status,
      body: (await res.json()) as { snapshot_id: string; upload_urls: { plot: string } },
    };
  };

  it('publish on A, upload via B, finalize via A', async () => {
    const pub = await publishOn(a, { title: 'split', commit_sha: 'a'.repeat(40) });
    expect(pub.status).toBe(201);
    const up = await fetch(via(b, pub.body.upload_urls.plot), {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: PNG,
    });
    expect(up.status).toBe(200);
    const fin = await api(a, 'POST', '/api/snapshots/finalize', {
      project_id: projectId,
      snapshot_id: pub.body.snapshot_id,
    });
    expect(fin.status).toBe(200);
    const read = await api(b, 'GET', `/api/snapshots/${pub.body.snapshot_id}`);
    const snap = (await read.json()) as { status: string; files?: unknown };
    expect(snap.status).toBe('ready');
  });

  it('20 concurrent identical publishes over both replicas make one snapshot', async () => {
    const body = { title: 'race', commit_sha: 'b'.repeat(40) };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => publishOn(i % 2 ? b : a, body)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201].sort());
    expect(new Set(results.map((r) => r.body.snapshot_id)).size).toBe(1);
    const list = await api(b, 'GET', `/api/projects/${projectId}/snapshots?title=race`);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('10 concurrent publishes into one new collection create it once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        publishOn(i % 2 ? b : a, { title: `col ${i}`, collection: 'race-col' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const collections = await api(a, 'GET', `/api/projects/${projectId}/collections`);
    const rows = (
      (await collections.json()) as {
        data: Array<{ name: string; snapshot_count: number }>;
      }
    ).data.filter((c) => c.name === 'race-col');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.snapshot_count).toBe(10);
  });

  it('concurrent publishes with one Idempotency-Key over both replicas answer one snapshot', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await fetch(`${(i % 2 ? b : a).url}/api/snapshots/publish`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': 'replicas-key-1',
          },
          body: JSON.stringify({
            project_id: projectId,
            title: 'no commit',
            artifacts: { plot: true },
          }),
        });
        return {
          status: res.status,
          id: ((await res.json()) as { snapshot_id: string }).snapshot_id,
        };
      }),
    );
    // Replays answer the first response's status: all 201, all the same snapshot.
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const list = await api(a, 'GET', `/api/projects/${projectId}/snapshots?title=no%20commit`);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it("an SSE subscriber on B receives A's event", async () => {
    const stream = await openEvents({ url: b.url, token } as Harness, projectId);
    try {
      expect(stream.status).toBe(200);
      const pub = await publishOn(a, { title: 'live' });
      await fetch(pub.body.upload_urls.plot, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: PNG,
      });
      await api(a, 'POST', '/api/snapshots/finalize', {
        project_id: projectId,
        snapshot_id: pub.body.snapshot_id,
      });
      await stream.until((s) => s.events().some((e) => e.data.id === pub.body.snapshot_id));
      expect(stream.events().at(-1)!.type).toBe('snapshot.ready');
    } finally {
      stream.close();
    }
  });

  it('a replica killed mid-upload: B refuses while A streams, then the retry on B succeeds', async () => {
    const victim = await startTestServer({ dataDir, env: env() });
    const pub = await publishOn(victim, { title: 'killed' });
    const url = new URL(pub.body.upload_urls.plot);
    // Half the body, then silence: the upload holds its lock on the victim.
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'image/png', 'content-length': String(PNG.length) },
    });
    req.on('error', () => {});
    req.write(PNG.subarray(0, 8));
    const tryOnB = () =>
      fetch(via(b, url.toString()), {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: PNG,
      });
    // Wait until the victim holds the upload's advisory lock (bounded poll of pg_locks).
    const locks = new pg.Client({ connectionString: database.adminUrl });
    await locks.connect();
    try {
      for (let i = 0; i < 100; i++) {
        const r = await locks.query(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
        );
        if (r.rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await locks.end();
    }
    const busy = await tryOnB();
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('conflict');
    await victim.kill();
    req.destroy();
    // PostgreSQL frees the dead session's advisory lock as soon as its socket closes.
    let retry: Response | undefined;
    for (let i = 0; i < 50; i++) {
      retry = await tryOnB();
      if (retry.status !== 409) break;
      await retry.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(retry!.status).toBe(200);
    expect(((await retry!.json()) as { sha256: string }).sha256).toBe(sha256(PNG));
  });

  it('row-level security: the app role sees no rows without app.principal_projects', async () => {
    const other = (await b.createProject('Other')).id;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const role = await client.query(
        'select rolsuper, rolbypassrls from pg_roles where rolname = current_user',
      );
      expect(role.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
      const count = async (setting?: string) => {
        await client.query('begin');
        if (setting !== undefined)
          await client.query(`select set_config('app.principal_projects', $1, true)`, [setting]);
        const r = await client.query<{ n: number }>(
          `select (select count(*) from snapshots)::int + (select count(*) from projects)::int as n`,
        );
        await client.query('commit');
        return r.rows[0]!.n;
      };
      expect(await count()).toBe(0);
      expect(await count('')).toBe(0);
      expect(await count(other)).toBe(1); // the project row only
      expect(await count(projectId)).toBeGreaterThan(3);
      expect(await count('*')).toBe((await count(projectId)) + 1);
      // Writes are checked too: no inserting into a project outside the setting.
      await client.query('begin');
      await client.query(`select set_config('app.principal_projects', $1, true)`, [other]);
      await expect(
        client.query(
          `insert into collections (id, project_id, name, created_at) values ('col_x', $1, 'x', 'now')`,
          [projectId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });

  it('webhooks: both replicas poll one queue and each event is delivered once', async () => {
    const rx = await startReceiver();
    try {
      const added = await cli([
        'webhook',
        'add',
        '--project',
        projectId,
        '--url',
        `${rx.url}/hook`,
        '--events',
        'snapshot.ready',
        '--allow-private-webhooks',
        '--data-dir',
        dataDir,
        '--json',
      ]);
      expect(added.stderr).toBe('');
      const ids: string[] = [];
      for (const [i, server] of [a, b, a, b].entries()) {
        const pub = await publishOn(server, { title: `hooked ${i}` });
        await fetch(pub.body.upload_urls.plot, {
          method: 'PUT',
          headers: { 'content-type': 'image/png' },
          body: PNG,
        });
        await api(server, 'POST', '/api/snapshots/finalize', {
          project_id: projectId,
          snapshot_id: pub.body.snapshot_id,
        });
        ids.push(pub.body.snapshot_id);
      }
      await rx.until(() => rx.at('/hook').length >= 4);
      // Both workers were woken for every event: give a double send time to show up.
      await new Promise((r) => setTimeout(r, 300));
      const got = rx.at('/hook');
      expect(got).toHaveLength(4);
      expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(4);
      const delivered = got.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id);
      expect(delivered.sort()).toEqual(ids.sort());
    } finally {
      await rx.close();
    }
  });

  it('migrate applies the schema to an empty database and is idempotent', async () => {
    const fresh = await createTestDatabase(admin!);
    try {
      const env = { DATABASE_URL: fresh.url };
      expect(JSON.parse(await runServerCli(['migrate', '--json'], env))).toEqual({
        backend: 'postgres',
        status: 'ok',
      });
      expect(JSON.parse(await runServerCli(['migrate', '--json'], env)).status).toBe('ok');
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      const names = await client
        .query<{ name: string }>('select name from kysely_migration order by name')
        .finally(() => client.end());
      expect(names.rows.map((r) => r.name)).toEqual([
        '0001_initial',
        '0002_events_webhooks',
        '0003_row_level_security',
      ]);
    } finally {
      await fresh.drop();
    }
  });

  // Last: it cuts the replicas off their database.
  it('/healthz reports the database: 503 while it refuses connections, 200 again after', async () => {
    const health = async (server: TestServer) => {
      const res = await fetch(`${server.url}/healthz`);
      const body = (await res.json()) as { database: string };
      return { status: res.status, database: body.database };
    };
    expect(await health(a)).toEqual({ status: 200, database: 'ok' });
    const name = new URL(database.url).pathname.slice(1);
    const su = new pg.Client({ connectionString: admin! });
    await su.connect();
    try {
      await su.query(`alter database ${name} allow_connections false`);
      await su.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [
        name,
      ]);
      expect(await health(a)).toEqual({ status: 503, database: 'error' });
      await su.query(`alter database ${name} allow_connections true`);
      await eventually(async () => (await health(a)).status === 200);
      expect(await health(b)).toEqual({ status: 200, database: 'ok' });
    } finally {
      await su.query(`alter database ${name} allow_connections true`).catch(() => {});
      await su.end();
    }
  });
});
