/**
 * Two replicas on one PostgreSQL database (replicas-helpers.ts): row-level security for the
 * app role, webhooks delivered once with two workers, `migrate`, and /healthz.
 */
import { get } from 'node:http';
import pg from 'pg';
import { runServerCli, type TestServer } from 'snapshotplot-server/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationsFor } from '../src/data/migrations.js';
import { createTestDatabase } from '../src/testing-postgres.js';
import { PNG } from './helpers.js';
import { admin, type Replicas, requirePostgres, useReplicas } from './replicas-helpers.js';
import { cli, eventually, startReceiver } from './webhooks-helpers.js';

requirePostgres();

describe.skipIf(!admin)('two replicas on one PostgreSQL database: operations', () => {
  const r = useReplicas();
  let a: TestServer;
  let b: TestServer;
  let projectId: string;
  let database: Replicas['database'];
  let dataDir: string;
  const { api, publishOn } = r;
  beforeAll(() => {
    ({ a, b, projectId, database, dataDir } = r);
  });

  it('row-level security: the app role sees no rows without app.principal_projects', async () => {
    const other = (await b.createProject('Other')).id;
    expect((await publishOn(a, { title: 'rls' })).status).toBe(201);
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
      expect(await count(projectId)).toBe(2); // the project and its snapshot;
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
      const added = await cli(
        [
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
          // The replicas' SNAPSHOTPLOT_SECRET: the endpoint secret is sealed under it.
        ],
        r.env(),
      );
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
      expect(names.rows.map((r) => r.name)).toEqual(Object.keys(migrationsFor('postgres')).sort());
    } finally {
      await fresh.drop();
    }
  });

  // Last: it cuts the replicas off their database.
  it('/healthz reports the database: 503 while it refuses connections, 200 again after', async () => {
    // One connection per probe, as a load balancer's health check makes: a pooled keep-alive
    // socket reused across the database outage could meet the server closing it as idle.
    const health = (server: TestServer) =>
      new Promise<{ status: number; database: string }>((resolve, reject) => {
        get(`${server.url}/healthz`, { agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => {
            const body = JSON.parse(text) as { database: string };
            resolve({ status: res.statusCode ?? 0, database: body.database });
          });
        }).on('error', reject);
      });
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
