/**
 * Two replicas on one PostgreSQL database (replicas-helpers.ts): the cross-replica publish
 * flow, racing publishes, SSE fan-out and a replica killed mid-upload.
 */
import { request } from 'node:http';
import pg from 'pg';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEvents } from './events-helpers.js';
import { type Harness, PNG, sha256 } from './helpers.js';
import { admin, type Replicas, requirePostgres, useReplicas } from './replicas-helpers.js';

requirePostgres();

describe.skipIf(!admin)('two replicas on one PostgreSQL database', () => {
  const r = useReplicas();
  let a: TestServer;
  let b: TestServer;
  let projectId: string;
  let token: string;
  let database: Replicas['database'];
  let dataDir: string;
  const { env, api, via, publishOn } = r;
  beforeAll(() => {
    ({ a, b, projectId, token, database, dataDir } = r);
  });

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
});
