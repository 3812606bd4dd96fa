/**
 * The typed client: one method per endpoint of the contract, all through the retrying
 * transport, every response checked against its schema.
 */
import { z } from 'zod';
import type {
  CompareRequest,
  Comparison,
  ComparisonQuery,
  ReviewRequest,
} from './comparison-schemas.js';
import { contract, HEADERS } from './contract.js';
import { type Env, proxyAwareFetch } from './default-fetch.js';
import { ApiError } from './errors.js';
import { type ArtifactFile, publishDirect } from './multipart.js';
import { callEntry } from './request.js';
import { DEFAULT_RETRY_POLICY, type RetryEvent } from './retry-policy.js';
import type {
  DirectPublishMetadata,
  FinalizeRequest,
  FinalizeResponse,
  ListCollectionsResponse,
  ListSnapshotsQuery,
  ListSnapshotsResponse,
  PublishRequest,
  PublishResponse,
  Snapshot,
  UploadResponse,
} from './schemas.js';
import type { TimingEvent } from './timing.js';
import type { TransportConfig } from './transport.js';
import { countingBody, type UploadSource, uploadBodies } from './upload-body.js';
import { VERSION } from './version.js';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Used as is when given; default: global fetch, through undici's proxy agent if HTTP(S)_PROXY is set. */
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
  /**
   * Told after each failed attempt that will be retried, before the wait (`describeRetry`
   * words it), so a program can say why it is waiting; the client prints nothing itself.
   */
  onRetry?: (event: RetryEvent) => void;
  /** Told after each answered request how long it took (`describeTiming` words it). */
  onTiming?: (event: TimingEvent) => void;
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
  /** The head's publishing is done: record it and get the comparison (emits comparison.ready). */
  compare(projectId: string, body: CompareRequest): Promise<Comparison>;
  /** Read a comparison without declaring the head complete. */
  getComparison(projectId: string, query: ComparisonQuery): Promise<Comparison>;
  /** Approve or request changes; answers the updated comparison. */
  review(projectId: string, body: ReviewRequest): Promise<Comparison>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A client for the snapshotplot API at `baseUrl`. Creates nothing until the first request. Each
 * method calls one contract entry (`contract.publish`, …): method, path and answers come from it.
 */
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
    ...(o.onRetry ? { onRetry: o.onRetry } : {}),
    ...(o.onTiming ? { onTiming: o.onTiming } : {}),
    ...(o.minRetryDelayMs !== undefined ? { minRetryDelayMs: o.minRetryDelayMs } : {}),
    ...(o.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: o.maxRetryDelayMs } : {}),
    ...(o.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: o.maxRetryAfterMs } : {}),
  };

  return {
    baseUrl,
    async publish(body, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.idempotencyKey) headers[HEADERS.idempotencyKey] = opts.idempotencyKey;
      const res = await callEntry(config, baseUrl, contract.publish, { json: body, headers });
      // The contract's 201 is a new snapshot, its 200 one the server already had.
      return { ...res.data, created: res.status === 201 };
    },
    async upload(url, source, opts) {
      const bodies = uploadBodies(source);
      try {
        // The server handed out the URL (its own, or an object store's presigned one), so it
        // is used as given; what may come back is still contract.upload's.
        const res = await callEntry(config, baseUrl, contract.upload, {
          url,
          timeout: 'idle',
          // A presigned PUT answers an empty 2xx: the server checks the object at finalize.
          allowEmpty: true,
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
      return (await callEntry(config, baseUrl, contract.finalize, { json: body })).data;
    },
    async getSnapshot(id) {
      return (await callEntry(config, baseUrl, contract.getSnapshot, { params: { id } })).data;
    },
    async listSnapshots(id, query = {}) {
      const entry = contract.listSnapshots;
      return (await callEntry(config, baseUrl, entry, { params: { id }, query })).data;
    },
    async listCollections(id) {
      return (await callEntry(config, baseUrl, contract.listCollections, { params: { id } })).data;
    },
    async deleteSnapshot(id) {
      await callEntry(config, baseUrl, contract.deleteSnapshot, {
        params: { id },
        // 204 No Content (or an empty body) is as good as the contract's { status: 'ok' }.
        allowEmpty: true,
        extra: { 204: z.undefined() },
      });
    },
    publishDirect(metadata, files) {
      return publishDirect(config, baseUrl, metadata, files);
    },
    async compare(id, body) {
      const entry = contract.compare;
      return (await callEntry(config, baseUrl, entry, { params: { id }, json: body })).data;
    },
    async getComparison(id, query) {
      const entry = contract.getComparison;
      return (await callEntry(config, baseUrl, entry, { params: { id }, query })).data;
    },
    async review(id, body) {
      const entry = contract.review;
      return (await callEntry(config, baseUrl, entry, { params: { id }, json: body })).data;
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
