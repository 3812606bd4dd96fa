import { readFileSync } from 'node:fs';
import {
  ListCollectionsResponseSchema,
  ListSnapshotsResponseSchema,
  SnapshotSchema,
} from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, objectOf, PNG, publish, startHarness, upload } from './helpers.js';

let h: Harness;
let admin: string;
let reader: string;
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const HTML = Buffer.from('<html><script>alert(1)</script></html>');

async function ready(body: Record<string, unknown>, bytes = PNG, type = 'image/png') {
  const p = await publish(h, body);
  expect(p.status).toBe(201);
  expect((await upload(p.body.upload_urls.plot!, bytes, type)).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: p.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  return SnapshotSchema.parse(
    await (await h.api('GET', `/api/snapshots/${p.body.snapshot_id}`)).json(),
  );
}

beforeAll(async () => {
  h = await startHarness();
  admin = await h.tokenFor(h.projectId, 'admin');
  reader = await h.tokenFor(h.projectId, 'reader');
});
afterAll(() => h.close());

describe('list and collections', () => {
  it('filters by collection, branch, commit, pr, tag, author, status, and pages newest first', async () => {
    await ready({
      title: 'a',
      collection: 'c1',
      branch: 'main',
      tags: ['t1'],
      author: 'alice',
      commit_sha: 'aaaaaaa1',
      pr_number: 7,
    });
    await ready({ title: 'b', collection: 'c1', branch: 'dev', tags: ['t2'], author: 'bob' });
    await ready({ title: 'c', collection: 'c2', branch: 'main', tags: ['t1', 't2'] });
    await publish(h, { title: 'd pending' });
    const list = async (q: string, token = reader) =>
      ListSnapshotsResponseSchema.parse(
        await (await h.api('GET', `/api/projects/${h.projectId}/snapshots?${q}`, { token })).json(),
      );
    const titles = async (q: string) => (await list(q)).data.map((s) => s.title);
    expect(await titles('')).toEqual(['d pending', 'c', 'b', 'a']);
    expect(await titles('collection=c1')).toEqual(['b', 'a']);
    expect(await titles('branch=main')).toEqual(['c', 'a']);
    expect(await titles('tag=t2')).toEqual(['c', 'b']);
    expect(await titles('author=alice')).toEqual(['a']);
    expect(await titles('commit_sha=AAAAAAA1')).toEqual(['a']);
    expect(await titles('pr_number=7')).toEqual(['a']);
    expect(await titles('status=pending')).toEqual(['d pending']);
    const p1 = await list('limit=3');
    expect(p1.data).toHaveLength(3);
    const p2 = await list(`limit=3&cursor=${p1.next_cursor}`);
    expect(p2.data.map((s) => s.title)).toEqual(['a']);
    expect(p2.next_cursor).toBeNull();
    const bad = await h.api('GET', `/api/projects/${h.projectId}/snapshots?limit=1000`);
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: 'validation_failed' });
    const unknown = await h.api('GET', `/api/projects/${h.projectId}/snapshots?colour=red`);
    expect(await errorOf(unknown)).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('lists collections with snapshot counts', async () => {
    const res = ListCollectionsResponseSchema.parse(
      await (
        await h.api('GET', `/api/projects/${h.projectId}/collections`, { token: reader })
      ).json(),
    );
    expect(res.data.map((c) => [c.name, c.snapshot_count])).toEqual([
      ['c1', 2],
      ['c2', 1],
    ]);
  });
});

describe('delete', () => {
  it('admin only; removes the row and the files', async () => {
    // Bytes of its own: identical ones are one object shared with other snapshots.
    const bytes = Buffer.concat([PNG, Buffer.from('to delete')]);
    const snap = await ready({ title: 'to delete' }, bytes);
    expect(await h.files()).toContain(objectOf(h.projectId, bytes));
    expect(await errorOf(await h.api('DELETE', `/api/snapshots/${snap.id}`))).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    const res = await h.api('DELETE', `/api/snapshots/${snap.id}`, { token: admin });
    expect(await res.json()).toEqual({ status: 'ok', id: snap.id });
    expect(await h.files()).not.toContain(objectOf(h.projectId, bytes));
    expect((await h.api('GET', `/api/snapshots/${snap.id}`)).status).toBe(404);
    expect((await fetch(snap.plot_url!)).status).toBe(404);
  });
});

describe('artifact delivery', () => {
  it('serves SVG with stored type, length, ETag, nosniff and a CSP sandbox', async () => {
    const snap = await ready({ title: 'svg' }, SVG, 'image/svg+xml');
    const res = await fetch(snap.plot_url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-length')).toBe(String(SVG.length));
    expect(res.headers.get('etag')).toBe(`"${snap.files.plot!.sha256}"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
    await res.arrayBuffer();
    const cached = await fetch(snap.plot_url!, {
      headers: { 'if-none-match': `"${snap.files.plot!.sha256}"` },
    });
    expect(cached.status).toBe(304);
  });

  it('serves HTML as an attachment in a sandbox', async () => {
    const snap = await ready({ title: 'html' }, HTML, 'text/html');
    const res = await fetch(snap.plot_url!);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(await res.text()).toBe(HTML.toString());
  });

  it('supports byte ranges (206, Content-Range) and 416 outside the file', async () => {
    const snap = await ready({ title: 'range' });
    const res = await fetch(snap.plot_url!, { headers: { range: 'bytes=2-5' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 2-5/${PNG.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG.subarray(2, 6))).toBe(true);
    const suffix = await fetch(snap.plot_url!, { headers: { range: 'bytes=-3' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(PNG.subarray(-3))).toBe(true);
    const bad = await fetch(snap.plot_url!, { headers: { range: `bytes=${PNG.length + 10}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${PNG.length}`);
  });

  it('authorises by bearer token or a valid signature only', async () => {
    const snap = await ready({ title: 'auth' });
    const plain = snap.plot_url!.split('?')[0]!;
    expect((await fetch(plain)).status).toBe(401);
    expect((await fetch(plain, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(
      200,
    );
    const tampered = snap.plot_url!.replace(/sig=[^&]+/, 'sig=AAAA');
    expect(await errorOf(await fetch(tampered))).toMatchObject({
      status: 401,
      code: 'invalid_token',
    });
    // A snapshot's signature (one per snapshot, shared by its plot and code URLs) does not
    // open another snapshot's files.
    const other = await ready({ title: 'auth other' });
    const borrowed = `${other.plot_url!.split('?')[0]}?${snap.plot_url!.split('?')[1]}`;
    expect((await fetch(borrowed)).status).toBe(401);
    const u = new URL(snap.plot_url!);
    u.searchParams.set('expires', '1000');
    expect((await fetch(u)).status).toBe(401);
    await h.project('proj_reads_other');
    const stranger = await h.tokenFor('proj_reads_other', 'admin');
    expect((await fetch(plain, { headers: { authorization: `Bearer ${stranger}` } })).status).toBe(
      404,
    );
  });
});

describe('validation and protocol', () => {
  it('400 invalid_json on malformed JSON; 413 over 1 MiB; 415 for another media type; nothing written', async () => {
    const before = (await h.server.context.store.listSnapshots(h.projectId, {}, 100)).page.length;
    const malformed = await h.api('POST', '/api/snapshots/publish', {
      body: '{"project_id":',
      headers: { 'content-type': 'application/json' },
    });
    expect(await errorOf(malformed)).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(malformed.headers.get('x-request-id')).toBeTruthy();
    const huge = await h.api('POST', '/api/snapshots/publish', {
      json: { project_id: h.projectId, title: 't', description: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(await errorOf(huge)).toMatchObject({ status: 413, code: 'payload_too_large' });
    const text = await h.api('POST', '/api/snapshots/publish', {
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(await errorOf(text)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const missing = await h.api('POST', '/api/snapshots/publish', {
      json: { project_id: h.projectId },
    });
    const e = await errorOf(missing);
    expect(e).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(e.message).toContain('title');
    const badId = await h.api('POST', '/api/snapshots/publish', {
      json: { project_id: '../etc', title: 't' },
    });
    expect(await errorOf(badId)).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await h.server.context.store.listSnapshots(h.projectId, {}, 100)).page.length).toBe(
      before,
    );
  });

  it('400 for an invalid id in a path', async () => {
    for (const path of [
      '/api/snapshots/a%2Fb',
      '/api/snapshots/x.y',
      `/api/projects/${'p'.repeat(65)}/snapshots`,
    ]) {
      expect(await errorOf(await h.api('GET', path))).toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
    }
  });

  it('serves the committed openapi.json', async () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../api-client/openapi.json', import.meta.url), 'utf8'),
    );
    const res = await fetch(`${h.url}/openapi.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(committed);
  });
});
