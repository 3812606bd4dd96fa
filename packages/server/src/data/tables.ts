/** Row shapes of the database, for kysely. Times are ISO-8601 strings; booleans are 0/1. */
import type { Generated } from 'kysely';

export interface ProjectsTable {
  id: string;
  owner_id: string | null;
  name: string;
  created_at: string;
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
  /** JSON array; snapshot_tags holds the same values for filtering. */
  tags: string;
  plot_url: string | null;
  code_url: string | null;
  repo_owner: string | null;
  repo_name: string | null;
  commit_sha: string | null;
  branch: string | null;
  pr_number: number | null;
  /** JSON object or null. */
  ci: string | null;
  status: 'pending' | 'ready';
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
  kind: 'plot' | 'code';
  storage_key: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
}

export interface TokensTable {
  id: string;
  project_id: string;
  name: string | null;
  role: 'reader' | 'publisher' | 'admin';
  token_hash: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: 'reader' | 'publisher' | 'admin';
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
}

export type { Generated };
