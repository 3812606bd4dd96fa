/**
 * The snapshotplot wire contract: every request and response body, once.
 *
 * The server validates with these schemas, the client is typed by them, and the OpenAPI
 * document (openapi.json) is generated from them. `.meta({ id })` names a schema in that
 * document; nothing here depends on the generator.
 */
import { z } from 'zod';

/** Opaque ids (`proj_…`, `snap_…`, …): safe in a URL path, a SQL parameter and a file name. */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-"')
  .meta({ id: 'Id', example: 'snap_01JD4Q8Z3K9XW7' });
export type Id = z.infer<typeof IdSchema>;

/** Lower-case hex SHA-256 of an artifact's bytes. */
export const Sha256Schema = z
  .string()
  .regex(/^[a-f0-9]{64}$/, 'must be a lower-case hex SHA-256 (64 characters)')
  .meta({ id: 'Sha256' });

/** A git object id: abbreviated (7+) or full SHA-1 (40) or SHA-256 (64), stored lower-case. */
export const CommitShaSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hex git commit id (7-64 characters)')
  .transform((s) => s.toLowerCase())
  .meta({ id: 'CommitSha' });

export const ARTIFACT_KINDS = ['plot', 'code'] as const;
export const ArtifactKindSchema = z.enum(ARTIFACT_KINDS).meta({ id: 'ArtifactKind' });
export type ArtifactKind = z.infer<typeof ArtifactKindSchema>;

export const SNAPSHOT_STATUSES = ['pending', 'ready'] as const;
export const SnapshotStatusSchema = z.enum(SNAPSHOT_STATUSES).meta({ id: 'SnapshotStatus' });
export type SnapshotStatus = z.infer<typeof SnapshotStatusSchema>;

export const ROLES = ['reader', 'publisher', 'admin'] as const;
export const RoleSchema = z.enum(ROLES).meta({ id: 'Role' });
export type Role = z.infer<typeof RoleSchema>;

const text = (max: number) => z.string().trim().min(1).max(max);

export const TagSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\s,]+$/, 'must not contain spaces or commas');
export const TagsSchema = z.array(TagSchema).max(32);

/** GitHub/GitLab/Bitbucket owner (GitLab groups may nest: `group/subgroup`). */
export const RepoOwnerSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'must be a repository owner like "octo-org"')
  .max(200);
export const RepoNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be a repository name like "my-repo"')
  .max(100);

export const CI_PROVIDERS = [
  'github-actions',
  'gitlab-ci',
  'circleci',
  'buildkite',
  'jenkins',
  'azure-pipelines',
  'bitbucket-pipelines',
  'local',
  'other',
] as const;

/** Where a snapshot was produced, for traceability back to the CI run. */
export const CiMetadataSchema = z
  .strictObject({
    provider: z.enum(CI_PROVIDERS),
    run_id: text(200).optional(),
    run_attempt: z.number().int().positive().optional(),
    job_url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    workflow: text(200).optional(),
    event: text(100).optional(),
  })
  .meta({ id: 'CiMetadata' });
export type CiMetadata = z.infer<typeof CiMetadataSchema>;

export const ArtifactsRequestSchema = z
  .strictObject({ plot: z.boolean().default(true), code: z.boolean().default(false) })
  .meta({ id: 'ArtifactsRequest' });

export const ChecksumsSchema = z
  .strictObject({ plot: Sha256Schema.optional(), code: Sha256Schema.optional() })
  .meta({ id: 'Checksums' });
export type Checksums = z.infer<typeof ChecksumsSchema>;

/** Descriptive fields shared by the JSON publish and the multipart direct publish. */
const snapshotMetadataShape = {
  project_id: IdSchema,
  collection: text(100).nullish(),
  title: text(200),
  author: text(200).nullish(),
  description: z.string().max(10_000).nullish(),
  tags: TagsSchema.default([]),
  repo_owner: RepoOwnerSchema.nullish(),
  repo_name: RepoNameSchema.nullish(),
  commit_sha: CommitShaSchema.nullish(),
  branch: text(255).nullish(),
  pr_number: z.number().int().positive().nullish(),
  ci: CiMetadataSchema.nullish(),
  /** Start a new snapshot even when one with the same commit/title/collection is ready. */
  replace: z.boolean().default(false),
};

const artifactIs = (kind: ArtifactKind, value: boolean) => ({
  properties: { artifacts: { properties: { [kind]: { const: value } }, required: [kind] } },
  required: ['artifacts'],
});
const checksumGiven = (kind: ArtifactKind) => ({
  properties: { checksums: { required: [kind] } },
  required: ['checksums'],
});

/**
 * The superRefine below in JSON Schema, for the OpenAPI document: a generated client (or a
 * fuzzer) learns the cross-field rules the server enforces. plot defaults to true, code to false.
 */
const PUBLISH_CROSS_FIELD_RULES = [
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
  { if: artifactIs('plot', false), then: artifactIs('code', true) },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
  { if: checksumGiven('plot'), then: { not: artifactIs('plot', false) } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
  { if: checksumGiven('code'), then: artifactIs('code', true) },
];

/** `POST /api/snapshots/publish` (JSON). Send an `Idempotency-Key` header to retry safely. */
export const PublishRequestSchema = z
  .strictObject({
    ...snapshotMetadataShape,
    artifacts: ArtifactsRequestSchema.default({ plot: true, code: false }),
    checksums: ChecksumsSchema.default({}),
  })
  .superRefine((body, ctx) => {
    if (!body.artifacts.plot && !body.artifacts.code) {
      ctx.addIssue({
        code: 'custom',
        path: ['artifacts'],
        message: 'must request at least one of plot or code',
      });
    }
    for (const kind of ARTIFACT_KINDS) {
      if (body.checksums[kind] && !body.artifacts[kind]) {
        ctx.addIssue({
          code: 'custom',
          path: ['checksums', kind],
          message: `is given but artifacts.${kind} is false`,
        });
      }
    }
  })
  .meta({
    id: 'PublishRequest',
    description:
      'At least one artifact must be requested, and a checksum may be given only for a requested artifact (artifacts defaults to plot only).',
    allOf: PUBLISH_CROSS_FIELD_RULES,
  });
export type PublishRequest = z.input<typeof PublishRequestSchema>;
export type PublishRequestParsed = z.output<typeof PublishRequestSchema>;

export const UploadUrlsSchema = z
  .strictObject({ plot: z.url().optional(), code: z.url().optional() })
  .meta({ id: 'UploadUrls' });

/**
 * 201 for a new snapshot, 200 when an existing one is returned (idempotent replay or the
 * natural key). `upload_urls` holds only the artifacts still missing; empty when ready.
 */
export const PublishResponseSchema = z
  .object({
    snapshot_id: IdSchema,
    status: SnapshotStatusSchema,
    upload_urls: UploadUrlsSchema,
    expires_at: z.iso.datetime().nullable(),
    supersedes: IdSchema.nullable().optional(),
  })
  .meta({ id: 'PublishResponse' });
export type PublishResponse = z.infer<typeof PublishResponseSchema>;

/** The multipart direct upload's `metadata` part: artifacts are the file parts sent. */
export const DirectPublishMetadataSchema = z
  .strictObject(snapshotMetadataShape)
  .meta({ id: 'DirectPublishMetadata' });
export type DirectPublishMetadata = z.input<typeof DirectPublishMetadataSchema>;

export const FinalizeRequestSchema = z
  .strictObject({ project_id: IdSchema, snapshot_id: IdSchema })
  .meta({ id: 'FinalizeRequest' });
export type FinalizeRequest = z.infer<typeof FinalizeRequestSchema>;

export const StoredArtifactSchema = z
  .object({
    kind: ArtifactKindSchema,
    content_type: z.string(),
    size: z.number().int().nonnegative(),
    sha256: Sha256Schema,
  })
  .meta({ id: 'StoredArtifact' });
export type StoredArtifact = z.infer<typeof StoredArtifactSchema>;

/** A snapshot as read back. `plot_url`/`code_url` are null until the snapshot is ready. */
export const SnapshotSchema = z
  .object({
    id: IdSchema,
    project_id: IdSchema,
    collection_id: IdSchema.nullable(),
    collection: z.string().nullable(),
    title: z.string(),
    author: z.string().nullable(),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    repo_owner: z.string().nullable(),
    repo_name: z.string().nullable(),
    commit_sha: z.string().nullable(),
    branch: z.string().nullable(),
    pr_number: z.number().int().nullable(),
    ci: CiMetadataSchema.nullable(),
    status: SnapshotStatusSchema,
    artifacts: z.object({
      plot: z.boolean(),
      code: z.boolean(),
    }),
    files: z.object({
      plot: StoredArtifactSchema.nullable(),
      code: StoredArtifactSchema.nullable(),
    }),
    plot_url: z.url().nullable(),
    code_url: z.url().nullable(),
    /** The snapshot's page in the gallery, when the server has one. */
    web_url: z.url().nullable().optional(),
    supersedes: IdSchema.nullable(),
    created_at: z.iso.datetime(),
    finalized_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Snapshot' });
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** `{ "status": "ok" }` as the spec says; servers may add the ready snapshot. */
export const FinalizeResponseSchema = z
  .object({ status: z.literal('ok'), snapshot: SnapshotSchema.optional() })
  .meta({ id: 'FinalizeResponse' });
export type FinalizeResponse = z.infer<typeof FinalizeResponseSchema>;

export const UploadResponseSchema = z
  .object({
    snapshot_id: IdSchema,
    kind: ArtifactKindSchema,
    content_type: z.string(),
    size: z.number().int().nonnegative(),
    sha256: Sha256Schema,
  })
  .meta({ id: 'UploadResponse' });
export type UploadResponse = z.infer<typeof UploadResponseSchema>;

const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Query of `GET /api/projects/{id}/snapshots`; newest first. */
export const ListSnapshotsQuerySchema = z
  .strictObject({
    collection: text(100).optional(),
    branch: text(255).optional(),
    commit_sha: CommitShaSchema.optional(),
    pr_number: queryInt(1, 2_147_483_647).optional(),
    tag: TagSchema.optional(),
    author: text(200).optional(),
    title: text(200).optional(),
    q: text(200).optional(),
    status: SnapshotStatusSchema.optional(),
    limit: queryInt(1, 100).default(20),
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
      .optional(),
  })
  .meta({ id: 'ListSnapshotsQuery' });
export type ListSnapshotsQuery = z.input<typeof ListSnapshotsQuerySchema>;

export const ListSnapshotsResponseSchema = z
  .object({ data: z.array(SnapshotSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'ListSnapshotsResponse' });
export type ListSnapshotsResponse = z.infer<typeof ListSnapshotsResponseSchema>;

export const CollectionSchema = z
  .object({
    id: IdSchema,
    project_id: IdSchema,
    name: z.string(),
    created_at: z.iso.datetime(),
    snapshot_count: z.number().int().nonnegative(),
  })
  .meta({ id: 'Collection' });
export type Collection = z.infer<typeof CollectionSchema>;

export const ListCollectionsResponseSchema = z
  .object({ data: z.array(CollectionSchema) })
  .meta({ id: 'ListCollectionsResponse' });
export type ListCollectionsResponse = z.infer<typeof ListCollectionsResponseSchema>;

export const DeleteSnapshotResponseSchema = z
  .object({ status: z.literal('ok'), id: IdSchema })
  .meta({ id: 'DeleteSnapshotResponse' });

export const HealthResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    database: z.enum(['ok', 'error']),
    storage: z.enum(['ok', 'error']),
  })
  .meta({ id: 'HealthResponse' });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** Every error: a stable snake_case `code` to branch on and a sentence for people. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().regex(/^[a-z][a-z0-9_]*$/),
      message: z.string().min(1),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Error codes the reference server emits. Clients must tolerate others. */
export const ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'untrusted_identity',
  'invalid_token',
  'token_expired',
  'validation_failed',
  'invalid_json',
  'not_found',
  'method_not_allowed',
  'conflict',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'missing_artifacts',
  'upload_url_expired',
  'upload_url_used',
  'invalid_upload_token',
  'snapshot_ready',
  'checksum_mismatch',
  'not_reviewable',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'request_timeout',
  'server_busy',
  'insufficient_storage',
  'quota_exceeded',
  'storage_unavailable',
  'identity_provider_unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Event payloads (SSE and Standard Webhooks): `{ type, timestamp, data }`.
 * `snapshot.ready` carries the ready snapshot.
 */
export const SnapshotReadyEventSchema = z
  .object({
    type: z.literal('snapshot.ready'),
    timestamp: z.iso.datetime(),
    data: SnapshotSchema,
  })
  .meta({ id: 'SnapshotReadyEvent' });
export type SnapshotReadyEvent = z.infer<typeof SnapshotReadyEventSchema>;

export const SnapshotDeletedEventSchema = z
  .object({
    type: z.literal('snapshot.deleted'),
    timestamp: z.iso.datetime(),
    data: z.object({ id: IdSchema, project_id: IdSchema }),
  })
  .meta({ id: 'SnapshotDeletedEvent' });
export type SnapshotDeletedEvent = z.infer<typeof SnapshotDeletedEventSchema>;

export const SnapshotEventSchema = z
  .discriminatedUnion('type', [SnapshotReadyEventSchema, SnapshotDeletedEventSchema])
  .meta({ id: 'SnapshotEvent' });
export type SnapshotEvent = z.infer<typeof SnapshotEventSchema>;
