/**
 * The domain records the Store hands out and takes in. They hold values (arrays, objects,
 * booleans), never a column encoding: how a dialect stores them is private to src/data
 * (snapshot-rows.ts). The unions come from the api-client contract, so they exist once.
 */
import type {
  ArtifactKind,
  CiMetadata,
  Role,
  SnapshotStatus,
} from '@snapshotplot/api-client/contract';

export type { ArtifactKind, CiMetadata, Role, SnapshotStatus };

/** One value per artifact kind. */
export interface PerKind<T> {
  plot: T;
  code: T;
}

/** A stored artifact of a snapshot. */
export interface ArtifactRecord {
  snapshot_id: string;
  kind: ArtifactKind;
  storage_key: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
}

/** What a publish stores: the Store inserts it as a pending snapshot without URLs. */
export interface NewSnapshot {
  id: string;
  project_id: string;
  collection_id: string | null;
  title: string;
  author: string | null;
  description: string | null;
  /** As published (in order, duplicates kept); filtering by tag sees each value once. */
  tags: string[];
  repo_owner: string | null;
  repo_name: string | null;
  commit_sha: string | null;
  branch: string | null;
  pr_number: number | null;
  ci: CiMetadata | null;
  /** The artifacts the publish asked for. */
  artifacts: PerKind<boolean>;
  /** The sha256 the publish announced per artifact (binds its upload token), else null. */
  checksums: PerKind<string | null>;
  supersedes: string | null;
  created_at: string;
}

/** A stored snapshot with its collection name and stored artifacts. */
export interface SnapshotRecord extends NewSnapshot {
  collection: string | null;
  status: SnapshotStatus;
  plot_url: string | null;
  code_url: string | null;
  finalized_at: string | null;
  files: ArtifactRecord[];
}
