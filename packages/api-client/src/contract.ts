/**
 * The API as data: method, path, body/query schemas and response schemas per status, in the
 * style of ts-rest. The client, the server and the OpenAPI generator all read this table.
 */
import { z } from 'zod';
import {
  CompareRequestSchema,
  ComparisonQuerySchema,
  ComparisonSchema,
  DiffImageQuerySchema,
  ReviewRequestSchema,
} from './comparison-schemas.js';
import { CODE_CONTENT_TYPES, PLOT_CONTENT_TYPES } from './content-types.js';
import {
  DeleteSnapshotResponseSchema,
  DirectPublishMetadataSchema,
  ErrorBodySchema,
  FinalizeRequestSchema,
  FinalizeResponseSchema,
  HealthResponseSchema,
  ListCollectionsResponseSchema,
  ListSnapshotsQuerySchema,
  ListSnapshotsResponseSchema,
  PublishRequestSchema,
  PublishResponseSchema,
  SnapshotSchema,
  UploadResponseSchema,
} from './schemas.js';

export const HEADERS = {
  idempotencyKey: 'idempotency-key',
  requestId: 'x-request-id',
  attempt: 'x-attempt',
  contentSha256: 'x-content-sha256',
} as const;

/** `Idempotency-Key`: 1-255 visible ASCII characters (IETF httpapi draft). */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/);

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Endpoint {
  method: Method;
  /** Express-style path; `:name` segments are ids (IdSchema). */
  path: string;
  summary: string;
  auth: 'bearer' | 'upload-token' | 'bearer-or-signature' | 'none';
  body?: z.ZodType;
  /** Request media types when not JSON; a raw body (no `body` schema) may list several. */
  bodyContentTypes?: readonly string[];
  /** multipart/form-data: `body` is the `metadata` JSON part; these are the file parts. */
  fileParts?: Readonly<Record<string, readonly string[]>>;
  /** Media type of the success responses when not JSON (e.g. text/event-stream). */
  responseContentType?: string;
  query?: z.ZodType;
  responses: Record<number, z.ZodType | null>;
}

/**
 * What any request may get besides an endpoint's own errors: 408 (its body missed its
 * deadline), 429 (over --rate-limit-per-minute), 500 (a bug), 503 (server busy, storage down).
 */
const ANY_REQUEST = [408, 429, 500, 503] as const;

/** The error statuses of an entry, typed by their literal statuses (no index signature). */
const errors = <const S extends readonly number[]>(...statuses: S) =>
  Object.fromEntries(
    [...new Set([...statuses, ...ANY_REQUEST])].sort().map((s) => [s, ErrorBodySchema]),
  ) as { [K in S[number] | (typeof ANY_REQUEST)[number]]: typeof ErrorBodySchema };

export const contract = {
  publish: {
    method: 'POST',
    path: '/api/snapshots/publish',
    summary:
      'Create a pending snapshot and get upload URLs. Retry safely with an Idempotency-Key header.',
    auth: 'bearer',
    body: PublishRequestSchema,
    responses: {
      201: PublishResponseSchema,
      200: PublishResponseSchema,
      // 415: a body that is neither JSON nor multipart.
      ...errors(400, 401, 403, 409, 413, 415, 422, 429, 507),
    },
  },
  publishDirect: {
    method: 'POST',
    path: '/api/snapshots/publish',
    summary:
      'Direct upload: multipart/form-data with a `metadata` JSON part and `plot`/`code` file parts; stores and finalizes in one request.',
    auth: 'bearer',
    body: DirectPublishMetadataSchema,
    bodyContentTypes: ['multipart/form-data'],
    fileParts: { plot: Object.keys(PLOT_CONTENT_TYPES), code: Object.keys(CODE_CONTENT_TYPES) },
    responses: {
      201: SnapshotSchema,
      200: SnapshotSchema,
      ...errors(400, 401, 403, 409, 413, 415, 422, 507),
    },
  },
  upload: {
    method: 'PUT',
    path: '/upload/:kind/:snapshot_id',
    summary: 'Upload the raw bytes of one artifact to a URL returned by publish.',
    auth: 'upload-token',
    // The kind in the path picks the list (plot or code); anything else is 415.
    bodyContentTypes: [...Object.keys(PLOT_CONTENT_TYPES), ...Object.keys(CODE_CONTENT_TYPES)],
    query: z.object({
      token: z
        .string()
        .min(1)
        .meta({ description: 'The upload token, exactly as in the `upload_urls` value.' }),
    }),
    responses: {
      200: UploadResponseSchema,
      ...errors(400, 401, 403, 404, 409, 413, 415, 503, 507),
    },
  },
  finalize: {
    method: 'POST',
    path: '/api/snapshots/finalize',
    summary: 'Mark a snapshot ready once every requested artifact is stored.',
    auth: 'bearer',
    body: FinalizeRequestSchema,
    responses: {
      200: FinalizeResponseSchema,
      // 413/415/507: --upload-mode presigned checks each S3 upload at finalize.
      ...errors(400, 401, 403, 404, 409, 413, 415, 507),
    },
  },
  getSnapshot: {
    method: 'GET',
    path: '/api/snapshots/:id',
    summary: 'Read one snapshot.',
    auth: 'bearer',
    responses: { 200: SnapshotSchema, ...errors(400, 401, 403, 404) },
  },
  deleteSnapshot: {
    method: 'DELETE',
    path: '/api/snapshots/:id',
    summary: 'Delete a snapshot and its artifacts (admin).',
    auth: 'bearer',
    responses: { 200: DeleteSnapshotResponseSchema, ...errors(400, 401, 403, 404) },
  },
  listSnapshots: {
    method: 'GET',
    path: '/api/projects/:id/snapshots',
    summary: 'List snapshots of a project, newest first, with cursor pagination.',
    auth: 'bearer',
    query: ListSnapshotsQuerySchema,
    responses: { 200: ListSnapshotsResponseSchema, ...errors(400, 401, 403) },
  },
  listCollections: {
    method: 'GET',
    path: '/api/projects/:id/collections',
    summary: 'List the collections of a project.',
    auth: 'bearer',
    responses: { 200: ListCollectionsResponseSchema, ...errors(400, 401, 403) },
  },
  events: {
    method: 'GET',
    path: '/api/projects/:id/events',
    summary:
      'Server-Sent Events of a project: `event: snapshot.ready | snapshot.deleted | comparison.ready`, `id:` from the event log, `data:` a ProjectEvent (the webhook payload); `:` heartbeat comments. Resume with the Last-Event-ID header (or `?last_event_id=`).',
    auth: 'bearer',
    query: z.object({
      last_event_id: z
        .string()
        .regex(/^\d{1,15}$/)
        .optional()
        .meta({ description: 'For EventSource reconnects; the Last-Event-ID header wins.' }),
    }),
    responseContentType: 'text/event-stream',
    responses: {
      200: z.string().meta({
        description: 'An SSE stream; each `data:` line is a ProjectEvent as JSON.',
      }),
      ...errors(400, 401, 403),
    },
  },
  getArtifact: {
    method: 'GET',
    path: '/api/snapshots/:id/:kind',
    summary:
      'Download an artifact (plot_url / code_url): a bearer token or the signed query of the URL.',
    auth: 'bearer-or-signature',
    query: z.object({
      expires: z
        .string()
        .optional()
        .meta({ description: 'Unix seconds; with `sig`, the signed delivery URL (no bearer).' }),
      sig: z
        .string()
        .optional()
        .meta({ description: 'The delivery signature over snapshot, kind and expiry.' }),
    }),
    responses: { 200: null, 206: null, 304: null, ...errors(400, 401, 403, 404, 416) },
  },
  compare: {
    method: 'POST',
    path: '/api/projects/:id/comparisons',
    summary:
      "Declare a head commit's publishing done and get its comparison against the baselines; emits `comparison.ready`. Safe to repeat.",
    auth: 'bearer',
    body: CompareRequestSchema,
    // 404: no ready snapshot at the head commit.
    responses: { 200: ComparisonSchema, ...errors(400, 401, 403, 404, 413, 415, 422) },
  },
  getComparison: {
    method: 'GET',
    path: '/api/projects/:id/comparisons',
    summary:
      "Read a head commit's comparison against the baselines (merge base, else base branch), with the review decisions.",
    auth: 'bearer',
    query: ComparisonQuerySchema,
    responses: { 200: ComparisonSchema, ...errors(400, 401, 403, 404) },
  },
  review: {
    method: 'POST',
    path: '/api/projects/:id/reviews',
    summary:
      'Approve or request changes on items of a comparison (publisher); answers the updated comparison and updates the commit status when the server has a GitHub token.',
    auth: 'bearer',
    body: ReviewRequestSchema,
    // 404: no ready snapshot at the head; 409 not_reviewable: an item that needs no review.
    responses: { 200: ComparisonSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422) },
  },
  getDiffImage: {
    method: 'GET',
    path: '/api/snapshots/:id/diff/:base_id',
    summary:
      "The difference image (PNG) of a snapshot's plot against a baseline snapshot's plot (diff_url): a bearer token or the URL's signature.",
    auth: 'bearer-or-signature',
    query: DiffImageQuerySchema,
    responseContentType: 'image/png',
    // 409 not_reviewable: the two plots cannot be compared pixel by pixel.
    responses: { 200: null, 304: null, ...errors(400, 401, 403, 404, 409) },
  },
  health: {
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness and readiness: database and storage reachability.',
    auth: 'none',
    // 401: a bearer header is checked when sent (it lets the probe past the anonymous cap).
    responses: { 200: HealthResponseSchema, 401: ErrorBodySchema, 503: HealthResponseSchema },
  },
} as const satisfies Record<string, Endpoint>;

export type Contract = typeof contract;
