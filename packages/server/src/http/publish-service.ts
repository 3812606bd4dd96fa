/**
 * Publish semantics (DESIGN.md "Idempotency"): the Idempotency-Key layer, the natural key
 * (project, commit_sha, title, collection) and supersession, all inside one transaction so
 * concurrent identical publishes see each other (SQLite serialises write transactions).
 */
import {
  ARTIFACT_KINDS,
  type DirectPublishMetadata,
  type PublishRequestParsed,
} from '@snapshotplot/api-client';
import type { StoreQueries } from '../data/store.js';
import type { SnapshotRecord } from '../data/store-snapshots.js';
import { newId } from '../ids.js';
import type { AppContext } from './context.js';
import { checkIdempotency, fingerprint } from './idempotency.js';

type Metadata = Omit<PublishRequestParsed, 'artifacts' | 'checksums'>;

/** The collection id for a name, creating it on first use; null for the default collection. */
export async function collectionId(
  tx: StoreQueries,
  ctx: AppContext,
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
    if ((kind === 'plot' ? s.want_plot : s.want_code) !== (artifacts[kind] ? 1 : 0)) return false;
    const wanted = checksums[kind];
    if (!wanted) continue;
    const stored =
      s.files.find((f) => f.kind === kind)?.sha256 ??
      (kind === 'plot' ? s.checksum_plot : s.checksum_code);
    if (stored && stored !== wanted) return false;
  }
  return true;
}

/** Builds and inserts a new snapshot row; returns the stored record. */
export async function insertSnapshot(
  tx: StoreQueries,
  ctx: AppContext,
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
  const tags = m.tags ?? [];
  await tx.insertSnapshot(
    {
      id,
      project_id: m.project_id,
      collection_id: o.collectionId,
      title: m.title,
      author: m.author ?? null,
      description: m.description ?? null,
      tags: JSON.stringify(tags),
      plot_url: null,
      code_url: null,
      repo_owner: m.repo_owner ?? null,
      repo_name: m.repo_name ?? null,
      commit_sha: m.commit_sha ?? null,
      branch: m.branch ?? null,
      pr_number: m.pr_number ?? null,
      ci: m.ci ? JSON.stringify(m.ci) : null,
      status: 'pending',
      want_plot: o.artifacts.plot ? 1 : 0,
      want_code: o.artifacts.code ? 1 : 0,
      checksum_plot: o.checksums.plot ?? null,
      checksum_code: o.checksums.code ?? null,
      supersedes: o.supersedes,
      created_at: now.toISOString(),
      finalized_at: null,
    },
    tags,
  );
  return (await tx.getSnapshot(id))!;
}

/** JSON publish: returns the status (201 new, 200 existing) and the snapshot to answer with. */
export async function publish(
  ctx: AppContext,
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
    let result: { status: number; snapshot: SnapshotRecord } | undefined;
    let supersedes: string | null = null;
    if (body.commit_sha) {
      const existing = await tx.findByNaturalKey(
        body.project_id,
        body.commit_sha,
        body.title,
        colId,
      );
      if (existing && !replace && sameResult(existing, artifacts, checksums)) {
        result = { status: 200, snapshot: existing };
      } else if (existing) {
        supersedes = existing.id;
      }
    }
    result ??= {
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
