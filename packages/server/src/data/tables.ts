/**
 * Row shapes of the database, for kysely; only src/data reads them. Times are ISO-8601
 * strings; booleans are 0/1. The role, kind and status unions are the contract's.
 */
import type {
  ArtifactKind,
  EventType,
  Role,
  SnapshotStatus,
} from '@snapshotplot/api-client/contract';
import type { Generated } from 'kysely';

export interface ProjectsTable {
  id: string;
  owner_id: string | null;
  name: string;
  created_at: string;
  /** Retention never deletes on this branch (0006; 'main' unless set). */
  default_branch?: string;
  /** Quota limits, null = off (0006). */
  max_bytes?: number | null;
  max_snapshots?: number | null;
  /** What a change needing review does to the commit status (0008; 'pending' unless set). */
  on_change?: 'pending' | 'failure';
  /** The share of changed pixels allowed, 0..1 (0008; 0 unless set). */
  diff_tolerance?: number;
}

export interface CollectionsTable {
  id: string;
  project_id: string;
  name: string;
  created_at: string;
}

export interface SnapshotsTable {
  id: string;
  project_id: string;
  collection_id: string | null;
  title: string;
  author: string | null;
  description: string | null;
  /** JSON text on SQLite, text[] on PostgreSQL (snapshot-rows.ts); snapshot_tags repeats them. */
  tags: string | string[];
  plot_url: string | null;
  code_url: string | null;
  repo_owner: string | null;
  repo_name: string | null;
  commit_sha: string | null;
  branch: string | null;
  pr_number: number | null;
  /** JSON object or null. */
  ci: string | null;
  status: SnapshotStatus;
  want_plot: number;
  want_code: number;
  checksum_plot: string | null;
  checksum_code: string | null;
  supersedes: string | null;
  created_at: string;
  finalized_at: string | null;
}

export interface SnapshotTagsTable {
  snapshot_id: string;
  tag: string;
}

export interface ArtifactsTable {
  snapshot_id: string;
  kind: ArtifactKind;
  storage_key: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
  /** The upload URL's nonce that stored it (0014); null when not uploaded through one. */
  upload_nonce: string | null;
}

export interface TokensTable {
  id: string;
  project_id: string;
  name: string | null;
  role: Role;
  token_hash: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** A gallery session; the cookie names it by id (see gallery/session.ts). */
export interface SessionsTable {
  id: string;
  kind: 'token' | 'user';
  /** token id (`tok_…`) or user id (JWT sub) */
  credential: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: Role;
  created_at: string;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  fingerprint: string;
  state: 'in_flight' | 'done';
  status_code: number | null;
  snapshot_id: string | null;
  created_at: string;
}

export interface ConsumedNoncesTable {
  nonce: string;
  snapshot_id: string;
  kind: string;
  expires_at: string;
  consumed_at: string;
}

/** The persisted event log; `id` is the SSE event id (increasing, never reused). */
export interface EventsTable {
  id: Generated<number>;
  project_id: string;
  type: EventType;
  /** The contract's SnapshotEvent as JSON. */
  payload: string;
  created_at: string;
  /** PostgreSQL only (0013): the stream position, null until sequenced (store-events.ts). */
  seq?: number | string | null;
}

export interface WebhooksTable {
  id: string;
  project_id: string;
  url: string;
  /** JSON array of event types. */
  events: string;
  /** `whsec_` + base64; kept in clear because signing needs it. */
  secret: string;
  created_at: string;
  disabled_at: string | null;
  disabled_reason: string | null;
}

/** One event for one endpoint; `id` is the `webhook-id` header, stable across retries. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  project_id: string;
  event_id: number;
  event_type: string;
  payload: string;
  /** `sending` rows hold a lease until next_attempt_at; an expired lease is claimable again. */
  state: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  status: number | null;
  duration_ms: number;
  error: string | null;
  created_at: string;
}

/** One retention policy (0006); collection '' = the whole project. Null fields are off. */
export interface RetentionPoliciesTable {
  project_id: string;
  collection: string;
  keep_per_title: number | null;
  pr_days: number | null;
  created_at: string;
}

/** One trust policy (0007): OIDC tokens of `issuer` for `repository` get `role`; null = any. */
export interface TrustPoliciesTable {
  id: string;
  project_id: string;
  issuer: string;
  repository: string;
  ref: string | null;
  environment: string | null;
  workflow: string | null;
  role: Role;
  created_at: string;
}

/** A collection's own diff tolerance (0008), replacing the project's for that collection. */
export interface DiffTolerancesTable {
  project_id: string;
  collection: string;
  tolerance: number;
  created_at: string;
}

/** A head commit whose publishing was declared done (0008, `POST …/comparisons`). */
export interface HeadSetsTable {
  project_id: string;
  commit_sha: string;
  completed_at: string;
  base_sha: string | null;
  base_branch: string;
  pr_number: number | null;
}

/** One review decision (0008) on one pair of head and baseline snapshots; collection '' = none. */
export interface ReviewsTable {
  id: string;
  project_id: string;
  head_sha: string;
  collection: string;
  title: string;
  head_snapshot_id: string | null;
  base_snapshot_id: string | null;
  decision: 'approved' | 'changes_requested';
  reviewer: string;
  created_at: string;
}

/** A cached pixel diff (0008) of two plots by sha256; storage_key names the difference PNG. */
export interface PlotDiffsTable {
  project_id: string;
  base_sha256: string;
  head_sha256: string;
  method: 'pixels' | 'hash';
  compared: number;
  reason: string | null;
  width: number | null;
  height: number | null;
  changed_pixels: number | null;
  storage_key: string | null;
  created_at: string;
}

/**
 * One plot's ready versions with one facet (0012, kept by triggers): facet '' = all of them,
 * 'branch' / 'tag' = those with that value; the newest one's id and how many.
 */
export interface PlotHeadsTable {
  project_id: string;
  facet: string;
  value: string;
  /** The collection id, '' for none. */
  plot: string;
  title: string;
  head_id: string;
  versions: number;
}

export interface Database {
  projects: ProjectsTable;
  collections: CollectionsTable;
  snapshots: SnapshotsTable;
  snapshot_tags: SnapshotTagsTable;
  artifacts: ArtifactsTable;
  tokens: TokensTable;
  project_members: ProjectMembersTable;
  idempotency_keys: IdempotencyKeysTable;
  consumed_upload_nonces: ConsumedNoncesTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  sessions: SessionsTable;
  retention_policies: RetentionPoliciesTable;
  trust_policies: TrustPoliciesTable;
  diff_tolerances: DiffTolerancesTable;
  head_sets: HeadSetsTable;
  reviews: ReviewsTable;
  plot_diffs: PlotDiffsTable;
  plot_heads: PlotHeadsTable;
}

export type { Generated };
