/** The real typed client and publish flow of @snapshotplot/api-client against this server. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, SnapshotSchema } from '@snapshotplot/api-client';
import { publishDirect, publishSnapshot } from '@snapshotplot/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, PNG, PY, sha256, startHarness } from './helpers.js';

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'sp-client-'));
  await writeFile(join(dir, 'fig.png'), PNG);
  await writeFile(join(dir, 'make_fig.py'), PY);
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

describe('api-client against the server', () => {
  it('publishSnapshot uploads both files and finalizes; a rerun returns the same snapshot', async () => {
    const client = createClient({ baseUrl: h.url, token: h.token, retries: 0 });
    const metadata = {
      project_id: h.projectId,
      title: 'Loss curve',
      commit_sha: 'abcdef0',
      collection: 'client',
    };
    const first = await publishSnapshot(client, {
      metadata,
      plot: join(dir, 'fig.png'),
      code: join(dir, 'make_fig.py'),
    });
    expect(first.created).toBe(true);
    const snap = SnapshotSchema.parse(first.snapshot);
    expect(snap).toMatchObject({
      status: 'ready',
      files: { plot: { sha256: sha256(PNG) }, code: { sha256: sha256(PY) } },
    });
    const again = await publishSnapshot(client, {
      metadata,
      plot: join(dir, 'fig.png'),
      code: join(dir, 'make_fig.py'),
    });
    expect(again.snapshot.id).toBe(snap.id);
    const listed = await client.listSnapshots(h.projectId, { collection: 'client' });
    expect(listed.data.map((s) => s.id)).toEqual([snap.id]);
  });

  it('publishDirect (multipart) creates a ready snapshot', async () => {
    const client = createClient({ baseUrl: h.url, token: h.token, retries: 0 });
    const snap = await publishDirect(
      client,
      { project_id: h.projectId, title: 'direct via client' },
      { plot: join(dir, 'fig.png') },
    );
    expect(snap).toMatchObject({ status: 'ready', title: 'direct via client' });
  });
});
