/**
 * The one mapping between snapshot rows and SnapshotRecord, per dialect. Column encodings end
 * here: tags are JSON text on SQLite and text[] on PostgreSQL (snapshot_tags repeats them for
 * filtering), the requested artifacts are 0/1 integers and `ci` is JSON text on both.
 */
import type { Insertable } from 'kysely';
import type { Dialect } from './dialect.js';
import type { ArtifactRecord, CiMetadata, NewSnapshot, SnapshotRecord } from './records.js';
import type { SnapshotsTable } from './tables.js';

/** A snapshot row as the reads select it (joined with its collection's name). */
export type SnapshotRow = SnapshotsTable & { collection: string | null };

interface TagsColumn {
  encode(tags: string[]): SnapshotsTable['tags'];
  decode(stored: unknown): string[];
}

const TAGS: Record<Dialect, TagsColumn> = {
  sqlite: {
    encode: (tags) => JSON.stringify(tags),
    decode: (stored) => JSON.parse(String(stored)) as string[],
  },
  // node-postgres writes a JS array as an array literal and reads text[] back as an array.
  postgres: {
    encode: (tags) => tags,
    decode: (stored) => stored as string[],
  },
};

const flag = (wanted: boolean) => (wanted ? 1 : 0);

/** The row that stores a new (pending, not yet finalized) snapshot. */
export function encodeSnapshot(dialect: Dialect, s: NewSnapshot): Insertable<SnapshotsTable> {
  const { tags, ci, artifacts, checksums, ...plain } = s;
  return {
    ...plain,
    tags: TAGS[dialect].encode(tags),
    ci: ci ? JSON.stringify(ci) : null,
    want_plot: flag(artifacts.plot),
    want_code: flag(artifacts.code),
    checksum_plot: checksums.plot,
    checksum_code: checksums.code,
    status: 'pending',
    plot_url: null,
    code_url: null,
    finalized_at: null,
  };
}

/**
 * The domain record of a stored row and its artifact rows. Built field by field (not by
 * rest and spread of the row): this runs for every row of every list page, and an object
 * literal of known keys is several times cheaper than copying a row's properties.
 */
export function decodeSnapshot(
  dialect: Dialect,
  row: SnapshotRow,
  files: ArtifactRecord[],
): SnapshotRecord {
  return {
    id: row.id,
    project_id: row.project_id,
    collection_id: row.collection_id,
    collection: row.collection,
    title: row.title,
    author: row.author,
    description: row.description,
    tags: TAGS[dialect].decode(row.tags),
    plot_url: row.plot_url,
    code_url: row.code_url,
    repo_owner: row.repo_owner,
    repo_name: row.repo_name,
    commit_sha: row.commit_sha,
    branch: row.branch,
    pr_number: row.pr_number,
    ci: row.ci ? (JSON.parse(row.ci) as CiMetadata) : null,
    status: row.status,
    artifacts: { plot: Number(row.want_plot) === 1, code: Number(row.want_code) === 1 },
    checksums: { plot: row.checksum_plot, code: row.checksum_code },
    supersedes: row.supersedes,
    created_at: row.created_at,
    finalized_at: row.finalized_at,
    files,
  };
}

/**
 * Export files carry tags in the SQLite encoding (JSON text) whatever the backend, so an
 * export from one backend imports into the other unchanged: `dump` turns a stored value into
 * that, `load` turns it back into what this dialect stores.
 */
export const portableTags = {
  dump: (dialect: Dialect, stored: unknown): unknown =>
    dialect === 'sqlite' ? stored : TAGS.sqlite.encode(TAGS[dialect].decode(stored)),
  load: (dialect: Dialect, portable: unknown): unknown =>
    dialect === 'sqlite' ? portable : TAGS[dialect].encode(TAGS.sqlite.decode(portable)),
};
