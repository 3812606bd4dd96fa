/**
 * Per-project quotas (`project quota`): snapshots (pending ones count) and stored bytes, off by
 * default; over a limit the request is refused with 507 quota_exceeded and nothing is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, PNG, publish, startHarness, upload } from './helpers.js';
import { cli } from './webhooks-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const sha = (c: string) => c.repeat(40);
const quota = (...args: string[]) =>
  cli(['project', 'quota', '--project', h.projectId, ...args, '--data-dir', h.dataDir, '--json']);
const rows = async () =>
  (await h.server.context.store.listSnapshots(h.projectId, {}, 1000)).page.length;
const stored = async () => (await h.files()).filter((f) => !f.startsWith('.tmp/'));
const healthy = async () =>
  expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);

function directForm(title: string, bytes: Buffer) {
  const fd = new FormData();
  fd.append('metadata', JSON.stringify({ project_id: h.projectId, title }));
  fd.append('plot', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'plot.png');
  return fd;
}

describe('project quotas', () => {
  it('are off by default and shown with the current use', async () => {
    const r = await quota();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      project_id: h.projectId,
      max_bytes: null,
      max_snapshots: null,
      snapshots: 0,
      bytes: 0,
    });
  });

  it('refuse a publish over max_snapshots (pending ones count) with 507, storing nothing', async () => {
    expect((await quota('--max-snapshots', '2')).code).toBe(0);
    const a = await publish(h, { title: 'A', commit_sha: sha('1') });
    const b = await publish(h, { title: 'B', commit_sha: sha('2') });
    expect([a.status, b.status]).toEqual([201, 201]);
    const before = await rows();
    const c = await publish(h, { title: 'C', commit_sha: sha('3') });
    expect(c.status).toBe(507);
    expect(c.body.error?.code).toBe('quota_exceeded');
    expect(c.body.error?.message).toMatch(/2 snapshots/);
    expect(c.body.error?.message).toMatch(/snapshotplot-server project quota/);
    expect(await rows()).toBe(before);
    // A retry of an existing snapshot is not a new one: still answered.
    const retry = await publish(h, { title: 'A', commit_sha: sha('1') });
    expect(retry.status).toBe(200);
    // Direct publish counts too.
    const direct = await fetch(`${h.url}/api/snapshots/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}` },
      body: directForm('D', PNG),
    });
    expect((await errorOf(direct)).code).toBe('quota_exceeded');
    expect(direct.status).toBe(507);
    expect(await rows()).toBe(before);
    expect(await stored()).toEqual([]);
    await healthy();
    // Raising it is the fix.
    expect((await quota('--max-snapshots', 'off')).code).toBe(0);
    expect((await publish(h, { title: 'C', commit_sha: sha('3') })).status).toBe(201);
  });

  it('refuse uploads and direct publishes over max_bytes with 507, storing nothing', async () => {
    const limit = PNG.length * 2 - 1;
    expect((await quota('--max-bytes', String(limit))).code).toBe(0);
    const first = await publish(h, { title: 'Bytes 1', commit_sha: sha('4') });
    expect((await upload(first.body.upload_urls.plot!, PNG)).status).toBe(200);
    const filesBefore = await stored();

    // Declared length over the rest of the quota: refused before the body is read.
    const second = await publish(h, { title: 'Bytes 2', commit_sha: sha('5') });
    const up = await upload(second.body.upload_urls.plot!, PNG);
    const e = await errorOf(up);
    expect([up.status, e.code]).toEqual([507, 'quota_exceeded']);
    expect(e.message).toMatch(new RegExp(`${limit} bytes`));
    expect(e.message).toMatch(/snapshotplot-server project quota/);
    expect(await stored()).toEqual(filesBefore);

    // No Content-Length (chunked): refused once the size is known, and the bytes are dropped.
    const chunked = await fetch(second.body.upload_urls.plot!, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array(PNG));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect([chunked.status, (await errorOf(chunked)).code]).toEqual([507, 'quota_exceeded']);
    expect(await stored()).toEqual(filesBefore);
    const snap = await h.api('GET', `/api/snapshots/${second.body.snapshot_id}`);
    expect(((await snap.json()) as { status: string }).status).toBe('pending');

    const direct = await fetch(`${h.url}/api/snapshots/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}` },
      body: directForm('Bytes direct', PNG),
    });
    expect([direct.status, (await errorOf(direct)).code]).toEqual([507, 'quota_exceeded']);
    expect(await stored()).toEqual(filesBefore);
    const status = JSON.parse((await quota()).stdout);
    expect(status).toMatchObject({ bytes: PNG.length, max_bytes: limit });
    await healthy();

    // Lifting it lets the same upload URL succeed.
    expect((await quota('--max-bytes', 'off')).code).toBe(0);
    expect((await upload(second.body.upload_urls.plot!, PNG)).status).toBe(200);
  });

  it('holds under concurrent publishes: exactly the limit is admitted', async () => {
    const start = await rows();
    expect((await quota('--max-snapshots', String(start + 3), '--max-bytes', 'off')).code).toBe(0);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        publish(h, { title: `Race ${i}`, commit_sha: sha('e') }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 507, 507, 507, 507, 507, 507, 507]);
    expect(await rows()).toBe(start + 3);
    expect((await quota('--max-snapshots', 'off')).code).toBe(0);
    await healthy();
  });

  it('refuses bad limits with a usage error', async () => {
    const r = await quota('--max-bytes', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-bytes/);
    const missing = await cli([
      'project',
      'quota',
      '--project',
      'proj_nope',
      '--max-bytes',
      '5',
      '--data-dir',
      h.dataDir,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/proj_nope/);
  });
});
