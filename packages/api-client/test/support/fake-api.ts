/**
 * msw handlers, one per endpoint, typed by the contract, over a tiny in-memory backend.
 * Tests override single endpoints with `server.use(...)` to misbehave.
 */

import { createHash } from 'node:crypto';
import {
  type ErrorBody,
  type FinalizeRequest,
  type FinalizeResponse,
  type ListCollectionsResponse,
  type ListSnapshotsResponse,
  type PublishRequest,
  PublishRequestSchema,
  type PublishResponse,
  type Snapshot,
  type UploadResponse,
} from '@snapshotplot/api-client';
import { HttpResponse, http } from 'msw';
import { BASE, snapshot } from './fixtures.js';

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
        out[kind] = `${BASE}/upload/${kind}/snap_1?token=t${urlVersion}`;
    }
    return out;
  };

  const handlers = {
    publish: http.post<never, PublishRequest, PublishResponse | ErrorBody>(
      `${BASE}/api/snapshots/publish`,
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
    upload: http.put<{ kind: string }, never, UploadResponse | ErrorBody>(
      `${BASE}/upload/:kind/snap_1`,
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
    ),
    finalize: http.post<never, FinalizeRequest, FinalizeResponse | ErrorBody>(
      `${BASE}/api/snapshots/finalize`,
      ({ request }) => {
        record(request);
        return HttpResponse.json({ status: 'ok', snapshot: snapshot() });
      },
    ),
    getSnapshot: http.get<{ id: string }, never, Snapshot | ErrorBody>(
      `${BASE}/api/snapshots/:id`,
      ({ request, params }) => {
        record(request);
        return HttpResponse.json(snapshot({ id: params.id }));
      },
    ),
    listSnapshots: http.get<{ id: string }, never, ListSnapshotsResponse | ErrorBody>(
      `${BASE}/api/projects/:id/snapshots`,
      ({ request }) => {
        record(request);
        return HttpResponse.json({ data: [snapshot()], next_cursor: null });
      },
    ),
    listCollections: http.get<{ id: string }, never, ListCollectionsResponse | ErrorBody>(
      `${BASE}/api/projects/:id/collections`,
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
    deleteSnapshot: http.delete<{ id: string }, never, { status: 'ok'; id: string } | ErrorBody>(
      `${BASE}/api/snapshots/:id`,
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
