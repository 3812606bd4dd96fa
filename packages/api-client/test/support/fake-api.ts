/**
 * msw handlers, one per endpoint, typed by the contract and mounted at the contract's method
 * and path (`handle`), over a tiny in-memory backend. Tests override single endpoints with
 * `server.use(handle(contract.x, ...))` to misbehave.
 */

import { createHash } from 'node:crypto';
import {
  contract,
  type ErrorBody,
  type FinalizeRequest,
  type FinalizeResponse,
  type ListCollectionsResponse,
  type ListSnapshotsResponse,
  type PublishRequest,
  PublishRequestSchema,
  type PublishResponse,
  pathFor,
  type Snapshot,
  type UploadResponse,
} from '@snapshotplot/api-client';
import { HttpResponse } from 'msw';
import { BASE, snapshot } from './fixtures.js';
import { handle } from './handle.js';

export interface Recorded {
  method: string;
  url: string;
  headers: Headers;
}

/** The state a fake API keeps: what was published, uploaded, and every request seen. */
export function fakeApi() {
  const requests: Recorded[] = [];
  const uploads: Array<{ kind: string; size: number; sha256: string; contentType: string }> = [];
  let published: PublishRequest | undefined;
  let urlVersion = 0;
  const record = (request: Request) =>
    requests.push({ method: request.method, url: request.url, headers: request.headers });
  const urls = (body: PublishRequest) => {
    urlVersion++;
    const out: PublishResponse['upload_urls'] = {};
    for (const kind of ['plot', 'code'] as const) {
      const stored = uploads.some((u) => u.kind === kind);
      if (body.artifacts?.[kind] && !stored)
        out[kind] =
          `${BASE}${pathFor(contract.upload, { kind, snapshot_id: 'snap_1' })}` +
          `?token=t${urlVersion}`;
    }
    return out;
  };

  const handlers = {
    publish: handle<never, PublishRequest, PublishResponse | ErrorBody>(
      contract.publish,
      async ({ request }) => {
        record(request);
        const body = PublishRequestSchema.parse(await request.json());
        const created = published === undefined;
        published = body;
        return HttpResponse.json(
          { snapshot_id: 'snap_1', status: 'pending', upload_urls: urls(body), expires_at: null },
          { status: created ? 201 : 200 },
        );
      },
    ),
    upload: handle<{ kind: string }, never, UploadResponse | ErrorBody>(
      contract.upload,
      async ({ request, params }) => {
        record(request);
        const bytes = Buffer.from(await request.arrayBuffer());
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const contentType = request.headers.get('content-type') ?? '';
        uploads.push({ kind: params.kind, size: bytes.length, sha256, contentType });
        return HttpResponse.json({
          snapshot_id: 'snap_1',
          kind: params.kind as 'plot' | 'code',
          content_type: contentType,
          size: bytes.length,
          sha256,
        });
      },
      { params: { snapshot_id: 'snap_1' } },
    ),
    finalize: handle<never, FinalizeRequest, FinalizeResponse | ErrorBody>(
      contract.finalize,
      ({ request }) => {
        record(request);
        return HttpResponse.json({ status: 'ok', snapshot: snapshot() });
      },
    ),
    getSnapshot: handle<{ id: string }, never, Snapshot | ErrorBody>(
      contract.getSnapshot,
      ({ request, params }) => {
        record(request);
        return HttpResponse.json(snapshot({ id: params.id }));
      },
    ),
    listSnapshots: handle<{ id: string }, never, ListSnapshotsResponse | ErrorBody>(
      contract.listSnapshots,
      ({ request }) => {
        record(request);
        return HttpResponse.json({ data: [snapshot()], next_cursor: null });
      },
    ),
    listCollections: handle<{ id: string }, never, ListCollectionsResponse | ErrorBody>(
      contract.listCollections,
      ({ request, params }) => {
        record(request);
        const collection = {
          id: 'col_1',
          project_id: params.id,
          name: 'experiments',
          created_at: '2026-11-25T12:00:00.000Z',
          snapshot_count: 1,
        };
        return HttpResponse.json({ data: [collection] });
      },
    ),
    deleteSnapshot: handle<{ id: string }, never, { status: 'ok'; id: string } | ErrorBody>(
      contract.deleteSnapshot,
      ({ request, params }) => {
        record(request);
        return HttpResponse.json({ status: 'ok', id: params.id });
      },
    ),
  };
  return { handlers: Object.values(handlers), requests, uploads, published: () => published };
}

/** The contract's error body. */
export function errorBody(status: number, code: string, message: string, headers?: HeadersInit) {
  return HttpResponse.json<ErrorBody>(
    { error: { code, message } },
    { status, ...(headers ? { headers } : {}) },
  );
}
