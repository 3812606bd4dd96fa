import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotSchema } from '@snapshotplot/api-client';
import pg from 'pg';
import {
  runServerCli,
  startTestServer,
  type TestServer,
  testDatabaseEnv,
} from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.destroy());

describe('snapshotplot-server/testing and the admin CLI (built bin)', () => {
  it('prints the listening line and a first-start hint on stderr', () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.stderr()).toContain(`snapshotplot-server listening on ${s.url}\n`);
    expect(s.stderr()).toContain('project create');
  });

  it('creates a project and a token with the pinned --json shapes, while the server runs', async () => {
    const project = await s.createProject('Demo');
    expect(Object.keys(project).sort()).toEqual(['id', 'name']);
    expect(project.name).toBe('Demo');
    const out = JSON.parse(
      await runServerCli([
        'token',
        'create',
        '--project',
        project.id,
        '--role',
        'admin',
        '--data-dir',
        s.dataDir,
        '--json',
      ]),
    );
    expect(Object.keys(out).sort()).toEqual(['id', 'project_id', 'role', 'token']);
    expect(out.token).toMatch(/^spt_[0-9A-Za-z]{40}$/);
    expect(out).toMatchObject({ project_id: project.id, role: 'admin' });
    // Only the hash is stored: the secret must not appear in the database.
    const { DATABASE_URL } = testDatabaseEnv(['--data-dir', s.dataDir]);
    if (DATABASE_URL) {
      // PostgreSQL: no row of the tokens table holds it (the SQLite files below do not exist).
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      const rows = await client
        .query('select count(*)::int as n from tokens t where t::text like $1', [`%${out.token}%`])
        .finally(() => client.end());
      expect(rows.rows[0].n).toBe(0);
      return;
    }
    const db = await readFile(join(s.dataDir, 'snapshotplot.db'));
    const wal = await readFile(join(s.dataDir, 'snapshotplot.db-wal')).catch(() => Buffer.alloc(0));
    expect(Buffer.concat([db, wal]).includes(out.token)).toBe(false);
  });

  it('publishes end to end and survives a restart (same data dir, same secret)', async () => {
    const project = await s.createProject();
    const token = await s.createToken(project.id);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const pub = await fetch(`${s.url}/api/snapshots/publish`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ project_id: project.id, title: 'T' }),
    });
    expect(pub.status).toBe(201);
    const { snapshot_id, upload_urls } = (await pub.json()) as {
      snapshot_id: string;
      upload_urls: { plot: string };
    };
    await s.restart();
    // The upload URL was signed before the restart and still points at the old port:
    // rebuild it on the new base URL; the token must still verify (secret persisted).
    const path = new URL(upload_urls.plot);
    const put = await fetch(`${s.url}${path.pathname}${path.search}`, {
      method: 'PUT',
      headers: { 'content-type': 'image/svg+xml' },
      body: '<svg xmlns="http://www.w3.org/2000/svg"/>',
    });
    expect(put.status).toBe(200);
    const fin = await fetch(`${s.url}/api/snapshots/finalize`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ project_id: project.id, snapshot_id }),
    });
    expect(fin.status).toBe(200);
    const snap = SnapshotSchema.parse(
      await (await fetch(`${s.url}/api/snapshots/${snapshot_id}`, { headers: auth })).json(),
    );
    expect(snap.plot_url!.startsWith(s.url)).toBe(true);
  });
});
