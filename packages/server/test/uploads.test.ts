import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadToken } from '../src/auth/upload-tokens.js';
import { errorOf, type Harness, PNG, publish, sha256, startHarness, upload } from './helpers.js';

let h: Harness;
let clock = Date.now();
const MAX = 4096;

beforeAll(async () => {
  h = await startHarness({
    config: { maxUploadBytes: MAX, uploadUrlTtl: 60 },
    now: () => new Date(clock),
  });
});
afterAll(() => h.close());

let n = 0;
async function fresh(body: Record<string, unknown> = {}) {
  const p = await publish(h, {
    title: `upload test ${n++}`,
    artifacts: { plot: true, code: true },
    ...body,
  });
  expect(p.status).toBe(201);
  return p.body;
}
const artifactRows = async (id: string) => (await h.server.context.store.getSnapshot(id))!.files;
/** Temp files (local disk) or temp objects (S3) left behind. */
const tmpFiles = async () =>
  (await h.files()).filter((f) => f.startsWith('.tmp/')).map((f) => f.slice(5));
/** Files of one snapshot plus any temp file: what a refused upload must not leave. */
const leftovers = async (id: string) =>
  (await h.files()).filter((f) => f.includes(id) || f.startsWith('.tmp'));

/** A body of two PNGs whose second half waits for `release()`: an upload held mid-stream. */
function gatedBody() {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      step++;
      if (step === 1) c.enqueue(new Uint8Array(PNG));
      else if (step === 2) {
        await gate;
        c.enqueue(new Uint8Array(PNG));
      } else c.close();
    },
  });
  return { body, release };
}

describe('upload tokens', () => {
  it('401 invalid_upload_token without a token or with a tampered one; nothing stored', async () => {
    const p = await fresh();
    const url = new URL(p.upload_urls.plot!);
    const bare = `${url.origin}${url.pathname}`;
    expect(await errorOf(await upload(bare, PNG))).toMatchObject({
      status: 401,
      code: 'invalid_upload_token',
    });
    const token = url.searchParams.get('token')!;
    const tampered = `${bare}?token=${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await errorOf(await upload(tampered, PNG))).toMatchObject({
      status: 401,
      code: 'invalid_upload_token',
    });
    expect(await artifactRows(p.snapshot_id)).toEqual([]);
    expect(await leftovers(p.snapshot_id)).toEqual([]);
  });

  it('403 for a token used on another snapshot or another kind', async () => {
    const a = await fresh();
    const b = await fresh();
    const token = new URL(a.upload_urls.plot!).searchParams.get('token');
    const otherSnap = `${h.url}/upload/plot/${b.snapshot_id}?token=${token}`;
    expect(await errorOf(await upload(otherSnap, PNG))).toMatchObject({
      status: 403,
      code: 'invalid_upload_token',
    });
    const otherKind = `${h.url}/upload/code/${a.snapshot_id}?token=${token}`;
    expect(await errorOf(await upload(otherKind, PNG, 'text/plain'))).toMatchObject({
      status: 403,
      code: 'invalid_upload_token',
    });
    expect(await leftovers(a.snapshot_id)).toEqual([]);
    expect(await leftovers(b.snapshot_id)).toEqual([]);
  });

  it('403 upload_url_expired after the TTL', async () => {
    const p = await fresh();
    clock += 61_000;
    try {
      const res = await upload(p.upload_urls.plot!, PNG);
      expect(await errorOf(res)).toMatchObject({ status: 403, code: 'upload_url_expired' });
    } finally {
      clock -= 61_000;
    }
    expect(await artifactRows(p.snapshot_id)).toEqual([]);
  });

  it('is single use: a second successful upload with the same URL is 409 upload_url_used', async () => {
    const p = await fresh();
    expect((await upload(p.upload_urls.plot!, PNG)).status).toBe(200);
    const again = await upload(p.upload_urls.plot!, PNG);
    expect(await errorOf(again)).toMatchObject({ status: 409, code: 'upload_url_used' });
  });

  it('a failed upload (wrong type, too large, checksum) leaves the URL usable', async () => {
    const p = await fresh();
    const url = p.upload_urls.plot!;
    expect(await errorOf(await upload(url, PNG, 'application/zip'))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(await errorOf(await upload(url, Buffer.alloc(MAX + 1), 'image/png'))).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
    expect(
      await errorOf(await upload(url, PNG, 'image/png', { 'x-content-sha256': sha256('other') })),
    ).toMatchObject({ status: 400, code: 'checksum_mismatch' });
    expect(await leftovers(p.snapshot_id)).toEqual([]);
    expect(await artifactRows(p.snapshot_id)).toEqual([]);
    expect((await upload(url, PNG)).status).toBe(200);
  });
});

describe('upload body checks', () => {
  it('413 on Content-Length over the limit without storing a byte', async () => {
    const p = await fresh();
    const res = await upload(p.upload_urls.plot!, Buffer.alloc(MAX * 4));
    expect(await errorOf(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await leftovers(p.snapshot_id)).toEqual([]);
  });

  it('413 when a chunked body (no Content-Length) grows over the limit; temp file removed', async () => {
    const p = await fresh();
    const chunks = [Buffer.alloc(MAX / 2), Buffer.alloc(MAX / 2), Buffer.alloc(MAX / 2)];
    const body = new ReadableStream({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const res = await fetch(p.upload_urls.plot!, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await errorOf(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await leftovers(p.snapshot_id)).toEqual([]);
    expect(await tmpFiles()).toEqual([]);
    expect((await upload(p.upload_urls.plot!, PNG)).status).toBe(200);
  });

  it('415 per kind: a PNG is not code, Python is not a plot', async () => {
    const p = await fresh();
    expect(await errorOf(await upload(p.upload_urls.code!, PNG, 'image/png'))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(await errorOf(await upload(p.upload_urls.plot!, PNG, 'text/x-python'))).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(await leftovers(p.snapshot_id)).toEqual([]);
  });

  it('checksum bound at publish: other bytes are 400 checksum_mismatch and nothing is kept', async () => {
    const p = await fresh({ checksums: { plot: sha256(PNG) } });
    const res = await upload(p.upload_urls.plot!, Buffer.from('not the published file'));
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'checksum_mismatch' });
    expect(await leftovers(p.snapshot_id)).toEqual([]);
    expect(await tmpFiles()).toEqual([]);
    expect(await artifactRows(p.snapshot_id)).toEqual([]);
    expect((await upload(p.upload_urls.plot!, PNG)).status).toBe(200);
  });

  it('400 for a malformed x-content-sha256 header', async () => {
    const p = await fresh();
    const res = await upload(p.upload_urls.plot!, PNG, 'image/png', { 'x-content-sha256': 'xyz' });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('409 snapshot_ready for an upload after finalize, even with a valid unused token', async () => {
    const p = await fresh({ artifacts: { plot: true, code: false } });
    expect((await upload(p.upload_urls.plot!, PNG)).status).toBe(200);
    const fin = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: p.snapshot_id },
    });
    expect(fin.status).toBe(200);
    const token = createUploadToken(h.server.context.secret, {
      snapshotId: p.snapshot_id,
      kind: 'plot',
      expiresAt: Math.floor(clock / 1000) + 60,
    });
    const res = await upload(
      `${h.url}/upload/plot/${p.snapshot_id}?token=${token}`,
      Buffer.from('replacement'),
    );
    expect(await errorOf(res)).toMatchObject({ status: 409, code: 'snapshot_ready' });
    expect((await artifactRows(p.snapshot_id))[0]!.sha256).toBe(sha256(PNG));
  });

  it('rejects ids and kinds that are not ids before touching disk', async () => {
    for (const path of [
      '/upload/plot/..%2F..%2Fsecret.key?token=x',
      '/upload/plot/a.b?token=x',
      `/upload/plot/${'a'.repeat(65)}?token=x`,
    ]) {
      const res = await fetch(`${h.url}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: PNG,
      });
      expect(await errorOf(res)).toMatchObject({ status: 400, code: 'validation_failed' });
    }
    const kind = await fetch(`${h.url}/upload/exe/snap_1?token=x`, { method: 'PUT', body: PNG });
    expect((await errorOf(kind)).status).toBe(404);
  });

  it('parallel uploads of different snapshots all land intact', async () => {
    const pubs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => publish(h, { title: `parallel ${i}` })),
    );
    const bodies = pubs.map((_, i) => Buffer.from(`png bytes number ${i}`.repeat(50)));
    const results = await Promise.all(
      pubs.map((p, i) => upload(p.body.upload_urls.plot!, bodies[i]!)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const [i, p] of pubs.entries()) {
      const rows = await artifactRows(p.body.snapshot_id);
      expect(rows[0]!.sha256).toBe(sha256(bodies[i]!));
    }
  });

  it('409 conflict for a second upload of the same artifact while the first streams', async () => {
    const p = await fresh({ title: 'concurrent', commit_sha: 'feed123' });
    const renewed = await publish(h, {
      title: 'concurrent',
      commit_sha: 'feed123',
      artifacts: { plot: true, code: true },
    });
    expect(renewed.body.snapshot_id).toBe(p.snapshot_id);
    const { body, release } = gatedBody();
    const first = fetch(p.upload_urls.plot!, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body,
      duplex: 'half',
    } as RequestInit);
    for (let i = 0; i < 1000 && h.server.context.uploadsInProgress.size === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    const second = await upload(renewed.body.upload_urls.plot!, PNG);
    expect(await errorOf(second)).toMatchObject({ status: 409, code: 'conflict' });
    release();
    expect((await first).status).toBe(200);
    expect((await artifactRows(p.snapshot_id))[0]!.sha256).toBe(sha256(Buffer.concat([PNG, PNG])));
    // The refused URL was not consumed (its nonce is unused); the stored plot stays as is.
    const nonce = JSON.parse(
      Buffer.from(
        new URL(renewed.body.upload_urls.plot!).searchParams.get('token')!.split('.')[0]!,
        'base64url',
      ).toString(),
    ).n as string;
    expect(await h.server.context.store.isNonceConsumed(nonce)).toBe(false);
  });

  it('404 and no orphan file when the snapshot is deleted while its upload streams', async () => {
    const p = await publish(h, { title: 'deleted mid-upload' });
    const { body, release } = gatedBody();
    const put = fetch(p.body.upload_urls.plot!, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body,
      duplex: 'half',
    } as RequestInit);
    for (let i = 0; i < 1000 && h.server.context.uploadsInProgress.size === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    const admin = await h.tokenFor(h.projectId, 'admin');
    const del = await h.api('DELETE', `/api/snapshots/${p.body.snapshot_id}`, { token: admin });
    expect(del.status).toBe(200);
    release();
    expect(await errorOf(await put)).toMatchObject({ status: 404, code: 'not_found' });
    expect((await h.files()).filter((f) => f.includes(p.body.snapshot_id))).toEqual([]);
    expect(await tmpFiles()).toEqual([]);
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('409 conflict when the artifact is already stored (a second URL cannot overwrite it)', async () => {
    const body = {
      title: 'two urls',
      commit_sha: 'beef123',
      artifacts: { plot: true, code: true },
    };
    const a = await publish(h, body);
    const b = await publish(h, body);
    expect(b.body.snapshot_id).toBe(a.body.snapshot_id);
    expect((await upload(a.body.upload_urls.plot!, PNG)).status).toBe(200);
    const res = await upload(b.body.upload_urls.plot!, Buffer.from('different bytes'));
    expect(await errorOf(res)).toMatchObject({ status: 409, code: 'conflict' });
    expect((await artifactRows(a.body.snapshot_id))[0]!.sha256).toBe(sha256(PNG));
    expect(await tmpFiles()).toEqual([]);
  });
});
