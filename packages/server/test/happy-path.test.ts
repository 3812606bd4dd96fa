import {
  PublishResponseSchema,
  SnapshotSchema,
  UploadResponseSchema,
} from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorOf,
  type Harness,
  objectOf,
  PNG,
  PY,
  publish,
  sha256,
  startHarness,
  upload,
} from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('publish -> upload -> finalize -> read', () => {
  it('stores both artifacts and serves them back', async () => {
    const pub = await publish(h, {
      artifacts: { plot: true, code: true },
      checksums: { plot: sha256(PNG), code: sha256(PY) },
      tags: ['ml', 'demo'],
      commit_sha: 'ABCDEF1234',
      collection: 'experiments',
      ci: { provider: 'github-actions', run_id: '42' },
    });
    expect(pub.status).toBe(201);
    expect(pub.res.headers.get('x-request-id')).toBeTruthy();
    const body = PublishResponseSchema.parse(pub.body);
    expect(body.status).toBe('pending');
    expect(Object.keys(body.upload_urls).sort()).toEqual(['code', 'plot']);
    expect(
      body.upload_urls.plot!.startsWith(`${h.url}/upload/plot/${body.snapshot_id}?token=`),
    ).toBe(true);

    const up = await upload(body.upload_urls.plot!, PNG, 'image/png', {
      'x-content-sha256': sha256(PNG),
    });
    expect(up.status).toBe(200);
    expect(UploadResponseSchema.parse(await up.json())).toMatchObject({
      kind: 'plot',
      size: PNG.length,
      sha256: sha256(PNG),
    });
    const upCode = await upload(body.upload_urls.code!, PY, 'text/x-python');
    expect(upCode.status).toBe(200);

    const fin = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: body.snapshot_id },
    });
    expect(fin.status).toBe(200);
    expect(((await fin.json()) as { status: string }).status).toBe('ok');

    const get = await h.api('GET', `/api/snapshots/${body.snapshot_id}`);
    expect(get.status).toBe(200);
    const snap = SnapshotSchema.parse(await get.json());
    expect(snap).toMatchObject({
      status: 'ready',
      commit_sha: 'abcdef1234',
      collection: 'experiments',
      tags: ['ml', 'demo'],
      ci: { provider: 'github-actions', run_id: '42' },
      files: { plot: { content_type: 'image/png', size: PNG.length, sha256: sha256(PNG) } },
    });
    expect(snap.finalized_at).not.toBeNull();

    const plot = await fetch(snap.plot_url!);
    expect(plot.status).toBe(200);
    expect(Buffer.from(await plot.arrayBuffer()).equals(PNG)).toBe(true);
    const code = await fetch(snap.code_url!);
    expect(await code.text()).toBe(PY.toString());
    // Served as text/plain whatever was stored (artifact-headers.test.ts); metadata keeps the type.
    expect(code.headers.get('content-type')).toBe('text/plain; charset=utf-8');

    // One content-addressed object per distinct file (storage/objects.ts).
    expect(await h.files()).toEqual([objectOf(h.projectId, PY), objectOf(h.projectId, PNG)].sort());
  });

  it('answers unknown routes with the error shape and a request id', async () => {
    const res = await h.api('GET', '/nope');
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
    expect(await errorOf(res)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('keeps a caller-supplied x-request-id', async () => {
    const res = await h.api('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(await res.json()).toMatchObject({ status: 'ok', database: 'ok', storage: 'ok' });
  });
});
