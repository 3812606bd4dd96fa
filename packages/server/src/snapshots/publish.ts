/**
 * Publish semantics (DESIGN.md "Idempotency"): the Idempotency-Key layer, the natural key
 * (project, commit_sha, title, collection) and supersession, all inside one transaction so
 * concurrent identical publishes see each other (SQLite serialises write transactions).
 */
import {
  ARTIFACT_KINDS,
  type DirectPublishMetadata,
  type PublishRequestParsed,
} from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import { newId } from '../ids.js';
import { checkSnapshotQuota } from '../retention/quota.js';
import type { SnapshotDeps } from './deps.js';
import { checkIdempotency, fingerprint } from './idempotency.js';

type Metadata = Omit<PublishRequestParsed, 'artifacts' | 'checksums'>;
type Clock = Pick<SnapshotDeps, 'now'>;

/** The collection id for a name, creating it on first use; null for the default collection. */
export async function collectionId(
  tx: StoreQueries,
  ctx: Clock,
  projectId: string,
  name?: string | null,
) {
  if (!name) return null;
  const found = await tx.findCollection(projectId, name);
  if (found) return found.id;
  const id = newId('col', ctx.now().getTime());
  await tx.insertCollection({
    id,
    project_id: projectId,
    name,
    created_at: ctx.now().toISOString(),
  });
  // A concurrent publish (another replica) may have created it first: use the stored row.
  return (await tx.findCollection(projectId, name))?.id ?? id;
}

/** Whether an existing snapshot is the same result as this request (a retry, not a re-run). */
export function sameResult(
  s: SnapshotRecord,
  artifacts: { plot: boolean; code: boolean },
  checksums: { plot?: string; code?: string },
): boolean {
  for (const kind of ARTIFACT_KINDS) {
    if (s.artifacts[kind] !== artifacts[kind]) return false;
    const wanted = checksums[kind];
    if (!wanted) continue;
    const stored = s.files.find((f) => f.kind === kind)?.sha256 ?? s.checksums[kind];
    if (stored && stored !== wanted) return false;
  }
  return true;
}

/**
 * The natural-key decision (project, commit_sha, title, collection): an existing snapshot with
 * the same result is reused (a retry), any other one is superseded. `readyOnly` reuses only a
 * ready one, for callers that must answer with a ready snapshot (direct publish). Read in the
 * same statement: whether the project has quota limits (`limited`: false when it has none, so
 * a new snapshot needs no quota counting).
 */
export async function resolveNaturalKey(
  tx: StoreQueries,
  key: { project_id: string; commit_sha?: string | null; title: string },
  colId: string | null,
  o: {
    artifacts: { plot: boolean; code: boolean };
    checksums: { plot?: string; code?: string };
    replace?: boolean;
    readyOnly?: boolean;
  },
): Promise<{ reuse?: SnapshotRecord; supersedes: string | null; limited: boolean }> {
  const { existing, limits } = await tx.publishTarget(
    key.project_id,
    key.commit_sha ?? null,
    key.title,
    colId,
  );
  // No project row: let the quota check (and the insert's foreign key) answer as before.
  const limited = !limits || limits.max_bytes !== null || limits.max_snapshots !== null;
  if (!existing) return { supersedes: null, limited };
  const usable = !o.readyOnly || existing.status === 'ready';
  if (usable && !o.replace && sameResult(existing, o.artifacts, o.checksums)) {
    return { reuse: existing, supersedes: null, limited };
  }
  return { supersedes: existing.id, limited };
}

/** Builds and inserts a new snapshot row; returns the stored record. */
export async function insertSnapshot(
  tx: StoreQueries,
  ctx: Clock,
  m: Metadata | DirectPublishMetadata,
  o: {
    collectionId: string | null;
    artifacts: { plot: boolean; code: boolean };
    checksums: { plot?: string; code?: string };
    supersedes: string | null;
    id?: string;
  },
): Promise<SnapshotRecord> {
  const now = ctx.now();
  const id = o.id ?? newId('snap', now.getTime());
  return tx.insertSnapshot(
    {
      id,
      project_id: m.project_id,
      collection_id: o.collectionId,
      title: m.title,
      author: m.author ?? null,
      description: m.description ?? null,
      tags: m.tags ?? [],
      repo_owner: m.repo_owner ?? null,
      repo_name: m.repo_name ?? null,
      commit_sha: m.commit_sha ?? null,
      branch: m.branch ?? null,
      pr_number: m.pr_number ?? null,
      ci: m.ci ?? null,
      artifacts: { plot: o.artifacts.plot, code: o.artifacts.code },
      checksums: { plot: o.checksums.plot ?? null, code: o.checksums.code ?? null },
      supersedes: o.supersedes,
      created_at: now.toISOString(),
    },
    o.collectionId ? (m.collection ?? null) : null,
  );
}

/** JSON publish: returns the status (201 new, 200 existing) and the snapshot to answer with. */
export async function publish(
  ctx: Pick<SnapshotDeps, 'store' | 'now'>,
  principalKey: string,
  body: PublishRequestParsed,
  idempotencyKey: string | undefined,
): Promise<{ status: number; snapshot: SnapshotRecord }> {
  const fp = fingerprint(body);
  return ctx.store.transaction(async (tx) => {
    if (idempotencyKey) {
      const o = await checkIdempotency(tx, ctx, {
        principal: principalKey,
        key: idempotencyKey,
        fingerprint: fp,
      });
      if (o.kind === 'replay') return { status: o.status, snapshot: o.snapshot };
    }
    const { artifacts, checksums, replace, ...metadata } = body;
    const colId = await collectionId(tx, ctx, body.project_id, body.collection);
    const { reuse, supersedes, limited } = await resolveNaturalKey(tx, body, colId, {
      artifacts,
      checksums,
      replace,
    });
    if (!reuse && limited) await checkSnapshotQuota(tx, body.project_id);
    const result = reuse
      ? { status: 200, snapshot: reuse }
      : {
          status: 201,
          snapshot: await insertSnapshot(tx, ctx, metadata, {
            collectionId: colId,
            artifacts,
            checksums,
            supersedes,
          }),
        };
    if (idempotencyKey) {
      await tx.putIdempotency({
        principal: principalKey,
        key: idempotencyKey,
        fingerprint: fp,
        state: 'done',
        status_code: result.status,
        snapshot_id: result.snapshot.id,
        created_at: ctx.now().toISOString(),
      });
    }
    return result;
  });
}
