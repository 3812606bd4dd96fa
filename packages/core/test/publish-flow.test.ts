import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  ApiError,
  contract,
  createClient,
  InputError,
  idempotencyKeyFor,
  pathFor,
} from '@snapshotplot/api-client';
import {
  BASE,
  errorBody,
  fakeApi,
  handle,
  metadata,
  recordingSleep,
  requestLine,
  snapshot,
  tempFiles,
} from '@snapshotplot/api-client/testing';
import { type ProgressEvent, publishSnapshot } from '@snapshotplot/core';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(300_000, 7)]);
const CODE = 'import matplotlib\nplt.plot([1, 2, 3])\n';
let files: Awaited<ReturnType<typeof tempFiles>>;
beforeEach(async () => {
  files = await tempFiles({ 'fig.png': PNG, 'make_fig.py': CODE });
});
afterEach(() => files.cleanup());

function setup() {
  const api = fakeApi();
  server.use(...api.handlers);
  const client = createClient({ baseUrl: BASE, token: 'spt_x', sleep: recordingSleep().sleep });
  return { api, client };
}
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const calls = (api: ReturnType<typeof fakeApi>) =>
  api.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
// The request lines of the flow, as the contract places them.
const PUBLISH = requestLine(contract.publish);
const FINALIZE = requestLine(contract.finalize);
const PLOT = { kind: 'plot', snapshot_id: 'snap_1' };
/** Overrides the plot's upload URL (the fake API hands out snap_1's). */
const onPlotUpload = (resolver: Parameters<typeof handle>[1]) =>
  handle(contract.upload, resolver, { params: PLOT });

describe('publishSnapshot', () => {
  it('publishes with checksums, uploads both files concurrently, finalizes', async () => {
    const { api, client } = setup();
    const events: ProgressEvent[] = [];
    const result = await publishSnapshot(client, {
      metadata,
      plot: files.path('fig.png'),
      code: files.path('make_fig.py'),
      onProgress: (e) => events.push(e),
    });
    expect(result).toMatchObject({ created: true, snapshot: { id: 'snap_1', status: 'ready' } });
    expect(api.published()).toMatchObject({
      title: 'Loss curve',
      artifacts: { plot: true, code: true },
      checksums: { plot: sha(PNG), code: sha(CODE) },
    });
    const puts = api.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.headers.get('x-content-sha256')).sort()).toEqual(
      [sha(PNG), sha(CODE)].sort(),
    );
    expect(puts.every((r) => r.headers.get('authorization') === null)).toBe(true);
    expect(api.uploads.find((u) => u.kind === 'plot')).toMatchObject({
      size: PNG.length,
      sha256: sha(PNG),
      contentType: 'image/png',
    });
    expect(api.uploads.find((u) => u.kind === 'code')?.contentType).toBe('text/x-python');
    expect(calls(api).at(-1)).toBe(FINALIZE);
    expect(events.filter((e) => e.type === 'phase').map((e) => e.phase)).toEqual([
      'checking',
      'publishing',
      'uploading',
      'finalizing',
      'done',
    ]);
  });

  it('reports upload progress that adds up to each file size', async () => {
    const { client } = setup();
    const events: ProgressEvent[] = [];
    await publishSnapshot(client, {
      metadata,
      plot: files.path('fig.png'),
      code: files.path('make_fig.py'),
      onProgress: (e) => events.push(e),
    });
    for (const [kind, size] of [
      ['plot', PNG.length],
      ['code', Buffer.byteLength(CODE)],
    ] as const) {
      const ups = events.filter((e) => e.type === 'upload' && e.kind === kind);
      const sent = ups.map((e) => (e.type === 'upload' ? e.sent : -1));
      expect(ups.every((e) => e.type === 'upload' && e.total === size)).toBe(true);
      expect(sent.at(-1)).toBe(size);
      expect(sent).toEqual([...sent].sort((a, b) => a - b));
    }
  });

  it('streams a large file in 1 MiB reads: progress in several steps, never the whole file at once', async () => {
    const { api, client } = setup();
    const big = files.path('big.png');
    writeFileSync(big, Buffer.concat([PNG, Buffer.alloc(3 * 1024 * 1024, 9)]));
    const events: ProgressEvent[] = [];
    await publishSnapshot(client, { metadata, plot: big, onProgress: (e) => events.push(e) });
    const sent = events.flatMap((e) => (e.type === 'upload' ? [e.sent] : []));
    const steps = sent.slice(1).map((n, i) => n - sent[i]!);
    expect(sent.at(-1)).toBe(PNG.length + 3 * 1024 * 1024);
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...steps)).toBeLessThanOrEqual(1024 * 1024);
    expect(api.uploads[0]).toMatchObject({ size: PNG.length + 3 * 1024 * 1024 });
  });

  it('renews an expired upload URL by publishing again with the same key', async () => {
    const { api, client } = setup();
    let puts = 0;
    server.use(
      onPlotUpload(() => {
        puts++;
        return puts === 1
          ? errorBody(403, 'upload_url_expired', 'The upload URL has expired.')
          : undefined;
      }),
    );
    const result = await publishSnapshot(client, { metadata, plot: files.path('fig.png') });
    expect(result.snapshot.id).toBe('snap_1');
    expect(calls(api)).toEqual([PUBLISH, PUBLISH, requestLine(contract.upload, PLOT), FINALIZE]);
    const keys = api.requests
      .filter((r) => r.method === 'POST')
      .map((r) => r.headers.get('idempotency-key'));
    expect(keys[0]).toBe(keys[1]);
    // The second PUT went to the fresh URL.
    expect(api.requests[2]!.url).toContain('token=t2');
  });

  it('uploads to an object store presigned URL: empty 2xx accepted, its XML expiry renewed', async () => {
    const { api, client } = setup();
    let puts = 0;
    server.use(
      onPlotUpload(() => {
        puts++;
        return puts === 1
          ? new HttpResponse(
              '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
              { status: 403, headers: { 'content-type': 'application/xml' } },
            )
          : new HttpResponse(null, { status: 200, headers: { etag: '"abc"' } });
      }),
    );
    const result = await publishSnapshot(client, { metadata, plot: files.path('fig.png') });
    expect(result.snapshot.id).toBe('snap_1');
    expect(puts).toBe(2);
    // The PUTs were answered by the object-store handler above, not recorded by the fake API.
    expect(calls(api)).toEqual([PUBLISH, PUBLISH, FINALIZE]);
  });

  it('gives up after two renewals and reports the upload error', async () => {
    const { api, client } = setup();
    server.use(onPlotUpload(() => errorBody(409, 'upload_url_used', 'Used.')));
    const error = await publishSnapshot(client, { metadata, plot: files.path('fig.png') }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'upload_url_used' });
    expect(calls(api).filter((c) => c === PUBLISH)).toHaveLength(3);
    expect(calls(api)).not.toContain(FINALIZE);
  });

  it('does not re-publish for other upload errors', async () => {
    const { api, client } = setup();
    server.use(onPlotUpload(() => errorBody(400, 'checksum_mismatch', 'Mismatch.')));
    await expect(
      publishSnapshot(client, { metadata, plot: files.path('fig.png') }),
    ).rejects.toMatchObject({
      code: 'checksum_mismatch',
    });
    expect(calls(api).filter((c) => c === PUBLISH)).toHaveLength(1);
  });

  it('skips the uploads when the snapshot is already ready', async () => {
    const { api, client } = setup();
    server.use(
      handle(contract.publish, () =>
        HttpResponse.json({
          snapshot_id: 'snap_1',
          status: 'ready',
          upload_urls: {},
          expires_at: null,
        }),
      ),
    );
    const events: ProgressEvent[] = [];
    const result = await publishSnapshot(client, {
      metadata,
      plot: files.path('fig.png'),
      onProgress: (e) => events.push(e),
    });
    expect(result.created).toBe(false);
    expect(calls(api)).toEqual([FINALIZE]);
    expect(events.some((e) => e.type === 'phase' && e.phase === 'uploading')).toBe(false);
  });

  it('reads the snapshot back when finalize answers only { status: "ok" }', async () => {
    const { api, client } = setup();
    server.use(handle(contract.finalize, () => HttpResponse.json({ status: 'ok' })));
    const result = await publishSnapshot(client, { metadata, plot: files.path('fig.png') });
    expect(result.snapshot).toEqual(snapshot());
    expect(calls(api).at(-1)).toBe(requestLine(contract.getSnapshot, { id: 'snap_1' }));
  });

  it('retries a failed upload with the file re-read from the start', async () => {
    const { api, client } = setup();
    let puts = 0;
    server.use(
      onPlotUpload(async ({ request }) => {
        puts++;
        if (puts === 1) {
          await request.arrayBuffer();
          return errorBody(503, 'storage_unavailable', 'Storage is down.');
        }
        return undefined;
      }),
    );
    await publishSnapshot(client, { metadata, plot: files.path('fig.png') });
    expect(puts).toBe(2);
    expect(api.uploads).toEqual([expect.objectContaining({ size: PNG.length, sha256: sha(PNG) })]);
  });
});

describe('idempotency keys', () => {
  it('are identical across two runs of the same snapshot and differ when a file changes', async () => {
    const { api, client } = setup();
    const run = () =>
      publishSnapshot(client, {
        metadata,
        plot: files.path('fig.png'),
        code: files.path('make_fig.py'),
      });
    await run();
    await run();
    await files.cleanup();
    files = await tempFiles({
      'fig.png': Buffer.concat([PNG, Buffer.from([1])]),
      'make_fig.py': CODE,
    });
    await run();
    const keys = api.requests
      .filter((r) => new URL(r.url).pathname === pathFor(contract.publish))
      .map((r) => r.headers.get('idempotency-key'));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[\x21-\x7e]{1,255}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('are a fixed function of the content, the same in every process and release', () => {
    // A golden value: changing the derivation would orphan the keys of publishes being retried.
    const key = idempotencyKeyFor(
      {
        project_id: 'proj_1',
        title: 'Loss curve',
        collection: 'experiments',
        commit_sha: 'abc1234',
      },
      { plot: 'a'.repeat(64) },
    );
    expect(key).toBe('spk1_951a3571e0da0394f1fd65a9cb8bcdef31c9636e30f52894cbaa3dccba0dad42');
  });

  it('do not depend on key order or defaults, only on content', () => {
    const checksums = { plot: sha(PNG) };
    const a = idempotencyKeyFor(metadata, checksums);
    const reordered = Object.fromEntries(Object.entries(metadata).reverse()) as typeof metadata;
    expect(
      idempotencyKeyFor({ ...reordered, replace: false, commit_sha: 'ABC1234' }, checksums),
    ).toBe(a);
    expect(a).toMatch(/^spk1_[0-9a-f]{64}$/);
    expect(idempotencyKeyFor({ ...metadata, title: 'Other' }, checksums)).not.toBe(a);
    expect(idempotencyKeyFor(metadata, { plot: sha('other') })).not.toBe(a);
    expect(idempotencyKeyFor({ ...metadata, collection: 'other' }, checksums)).not.toBe(a);
  });
});

describe('checks before any request', () => {
  it.each([
    ['a missing file', { plot: 'missing.png' }, 'file_not_found', 'missing.png'],
    ['a wrong type', { plot: 'make_fig.py' }, 'unsupported_file_type', 'make_fig.py'],
    [
      'a code file of a plot type',
      { plot: 'fig.png', code: 'fig.png' },
      'unsupported_file_type',
      'fig.png',
    ],
    ['a file too large', { plot: 'fig.png', maxFileBytes: 1000 }, 'file_too_large', 'fig.png'],
  ] as const)('rejects %s with an InputError naming the file', async (_what, o, code, name) => {
    const { api, client } = setup();
    const opts = {
      metadata,
      plot: files.path(o.plot),
      ...('code' in o ? { code: files.path(o.code) } : {}),
      ...('maxFileBytes' in o ? { maxFileBytes: o.maxFileBytes } : {}),
    };
    const error = await publishSnapshot(client, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code, path: expect.stringContaining(name) });
    expect((error as Error).message).toContain(name);
    expect(api.requests).toHaveLength(0);
  });

  it('rejects invalid metadata and a publish without files before any request', async () => {
    const { api, client } = setup();
    await expect(
      publishSnapshot(client, {
        metadata: { ...metadata, commit_sha: 'not-hex' },
        plot: files.path('fig.png'),
      }),
    ).rejects.toMatchObject({
      code: 'invalid_metadata',
      message: expect.stringContaining('commit_sha'),
    });
    await expect(publishSnapshot(client, { metadata })).rejects.toMatchObject({
      code: 'invalid_metadata',
    });
    expect(api.requests).toHaveLength(0);
  });
});
