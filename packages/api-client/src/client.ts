/**
 * The typed client: one method per endpoint of the contract, all through the retrying
 * transport, every response checked against its schema.
 */
import { z } from 'zod';
import { HEADERS } from './contract.js';
import { type Env, proxyAwareFetch } from './default-fetch.js';
import { ApiError } from './errors.js';
import { type ArtifactFile, publishDirect } from './multipart.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';
import {
  DeleteSnapshotResponseSchema,
  type DirectPublishMetadata,
  type FinalizeRequest,
  type FinalizeResponse,
  FinalizeResponseSchema,
  type ListCollectionsResponse,
  ListCollectionsResponseSchema,
  type ListSnapshotsQuery,
  type ListSnapshotsResponse,
  ListSnapshotsResponseSchema,
  type PublishRequest,
  type PublishResponse,
  PublishResponseSchema,
  type Snapshot,
  SnapshotSchema,
  type UploadResponse,
  UploadResponseSchema,
} from './schemas.js';
import { call, type TransportConfig } from './transport.js';
import { countingBody, type UploadSource, uploadBodies } from './upload-body.js';
import { VERSION } from './version.js';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Used as is when given; default: global fetch with an HTTPS_PROXY-aware undici agent. */
  fetch?: typeof globalThis.fetch;
  /** Extra attempts after the first; default 4 (5 attempts). */
  retries?: number;
  /** Per attempt; default 30_000 for JSON calls; uploads: idle timeout. */
  timeoutMs?: number;
  /** Default `snapshotplot/${VERSION}`. */
  userAgent?: string;
  /** Injectable backoff clock for tests. */
  sleep?: (ms: number) => Promise<void>;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Cap on a server's Retry-After; default 60_000. */
  maxRetryAfterMs?: number;
  /** Where the default fetch reads HTTP(S)_PROXY / NO_PROXY; default process.env. */
  env?: Env;
}

export interface UploadOptions {
  contentType: string;
  size: number;
  sha256?: string;
  onProgress?: (sent: number, total: number) => void;
}

export interface SnapshotplotClient {
  baseUrl: string;
  publish(
    body: PublishRequest,
    o?: { idempotencyKey?: string },
  ): Promise<PublishResponse & { created: boolean }>;
  /**
   * PUT one artifact. Resolves to the server's UploadResponse, or to null when the URL is an
   * object store's presigned URL (an empty 2xx body: the server checks the object at finalize).
   */
  upload(url: string, source: UploadSource, o: UploadOptions): Promise<UploadResponse | null>;
  finalize(body: FinalizeRequest): Promise<FinalizeResponse>;
  getSnapshot(id: string): Promise<Snapshot>;
  listSnapshots(projectId: string, query?: ListSnapshotsQuery): Promise<ListSnapshotsResponse>;
  listCollections(projectId: string): Promise<ListCollectionsResponse>;
  deleteSnapshot(id: string): Promise<void>;
  /** One multipart request; `files` come checked and hashed (@snapshotplot/core inspects them). */
  publishDirect(metadata: DirectPublishMetadata, files: readonly ArtifactFile[]): Promise<Snapshot>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A client for the snapshotplot API at `baseUrl`. Creates nothing until the first request. */
export function createClient(o: ClientOptions): SnapshotplotClient {
  const baseUrl = o.baseUrl.replace(/\/+$/, '');
  const config: TransportConfig = {
    ...DEFAULT_RETRY_POLICY,
    fetch: o.fetch ?? proxyAwareFetch(o.env),
    userAgent: o.userAgent ?? `snapshotplot/${VERSION}`,
    retries: o.retries ?? 4,
    timeoutMs: o.timeoutMs ?? 30_000,
    sleep: o.sleep ?? sleep,
    ...(o.token ? { token: o.token } : {}),
    ...(o.minRetryDelayMs !== undefined ? { minRetryDelayMs: o.minRetryDelayMs } : {}),
    ...(o.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: o.maxRetryDelayMs } : {}),
    ...(o.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: o.maxRetryAfterMs } : {}),
  };
  const api = (path: string) => `${baseUrl}${path}`;
  const id = encodeURIComponent;
  const json = <T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    headers?: Record<string, string>,
  ) =>
    call(config, {
      method,
      url: api(path),
      auth: true,
      schema,
      ...(body === undefined
        ? {}
        : { body: () => JSON.stringify(body), headers: { ...JSON_HEADERS, ...headers } }),
    });

  return {
    baseUrl,
    async publish(body, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.idempotencyKey) headers[HEADERS.idempotencyKey] = opts.idempotencyKey;
      const res = await json(
        'POST',
        '/api/snapshots/publish',
        PublishResponseSchema,
        body,
        headers,
      );
      return { ...res.data, created: res.status === 201 };
    },
    async upload(url, source, opts) {
      const bodies = uploadBodies(source);
      try {
        const res = await call(config, {
          method: 'PUT',
          url,
          auth: false,
          timeout: 'idle',
          schema: UploadResponseSchema.or(z.undefined()),
          headers: {
            'content-type': opts.contentType,
            'content-length': String(opts.size),
            ...(opts.sha256 ? { [HEADERS.contentSha256]: opts.sha256 } : {}),
          },
          body: (touch) => {
            let sent = 0;
            opts.onProgress?.(0, opts.size);
            return countingBody(bodies.open(), (bytes) => {
              sent += bytes;
              touch();
              opts.onProgress?.(sent, opts.size);
            });
          },
        });
        return res.data ?? null;
      } catch (error) {
        throw presignedExpiry(error) ?? error;
      } finally {
        bodies.close();
      }
    },
    async finalize(body) {
      return (await json('POST', '/api/snapshots/finalize', FinalizeResponseSchema, body)).data;
    },
    async getSnapshot(snapshotId) {
      return (await json('GET', `/api/snapshots/${id(snapshotId)}`, SnapshotSchema)).data;
    },
    async listSnapshots(projectId, query = {}) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query))
        if (v !== undefined && v !== null) params.set(k, String(v));
      const qs = params.size ? `?${params}` : '';
      return (
        await json(
          'GET',
          `/api/projects/${id(projectId)}/snapshots${qs}`,
          ListSnapshotsResponseSchema,
        )
      ).data;
    },
    async listCollections(projectId) {
      return (
        await json(
          'GET',
          `/api/projects/${id(projectId)}/collections`,
          ListCollectionsResponseSchema,
        )
      ).data;
    },
    async deleteSnapshot(snapshotId) {
      // 204 No Content is as good as the contract's { status: 'ok' }.
      await json(
        'DELETE',
        `/api/snapshots/${id(snapshotId)}`,
        DeleteSnapshotResponseSchema.or(z.undefined()),
      );
    },
    publishDirect(metadata, files) {
      return publishDirect(config, api('/api/snapshots/publish'), metadata, files);
    },
  };
}

/**
 * An object store answers an expired presigned URL with its own 403 (S3: `<Code>AccessDenied`
 * `</Code><Message>Request has expired</Message>`); name it like the server's own expiry so the
 * publish flow renews the URL by publishing again.
 */
function presignedExpiry(error: unknown): ApiError | undefined {
  if (!(error instanceof ApiError) || error.status !== 403) return;
  if (!/request has expired/i.test(error.message)) return;
  return new ApiError({
    status: 403,
    code: 'upload_url_expired',
    message: 'The presigned upload URL has expired: publish again for a fresh one.',
    ...(error.requestId ? { requestId: error.requestId } : {}),
  });
}
