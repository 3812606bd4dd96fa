/**
 * Direct publish (multipart): the metadata first (its Idempotency-Key claimed before any file
 * is read, so a concurrent twin gets 409 in flight), then each file streamed to storage, then
 * one transaction that creates the snapshot ready — or finds an identical ready one by the
 * natural key. Any failure deletes what was stored and releases the claim: nothing partial
 * remains. The route reads the form and calls these steps in order.
 */
import type { Readable } from 'node:stream';
import {
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  type DirectPublishMetadata,
  extensionFor,
} from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import { HttpError } from '../errors.js';
import { newId } from '../ids.js';
import { checkDirectPublishQuota } from '../retention/quota.js';
import { objectKey, requireObject, stageObject, withObjects } from '../storage/objects.js';
import { artifactKey, type StagedBytes } from '../storage/storage.js';
import { commitThenNotify } from './commit.js';
import type { SnapshotDeps } from './deps.js';
import { markReady } from './finalize.js';
import { checkIdempotency, fingerprint } from './idempotency.js';
import { collectionId, insertSnapshot, resolveNaturalKey } from './publish.js';

type Stored = {
  kind: ArtifactKind;
  /** The received part until it settles at its object key (withObjects owns it from then). */
  staged: StagedBytes;
  contentType: string;
  size: number;
  sha256: string;
};

/** Thrown by begin() when the Idempotency-Key replays an earlier request: answer with it. */
export class Replay {
  constructor(
    readonly status: number,
    readonly snapshot: SnapshotRecord,
  ) {}
}

export interface DirectPublish {
  /** Takes the (validated, authorised) metadata and claims the Idempotency-Key; may throw Replay. */
  begin(metadata: DirectPublishMetadata): Promise<void>;
  /** Streams one file part to storage (415 for a type its kind does not accept). */
  addFile(kind: ArtifactKind, stream: Readable, mimeType: string): Promise<void>;
  /** Kinds stored so far. */
  kinds(): ArtifactKind[];
  /** Commits: 201 a new ready snapshot, 200 an identical one that existed. */
  finish(): Promise<{ status: number; snapshot: SnapshotRecord }>;
  /** After a failure (or a Replay): deletes the stored files and releases the claim. */
  abort(): Promise<void>;
}

/** A direct publish by `principalKey`, optionally under an Idempotency-Key. */
export function startDirectPublish(
  deps: SnapshotDeps,
  principalKey: string,
  idempotencyKey?: string,
): DirectPublish {
  const snapshotId = newId('snap', deps.now().getTime());
  let metadata: DirectPublishMetadata | undefined;
  let claimed = false;
  const files: Stored[] = [];
  // Inside a transaction pass `tx`: the store's single connection is held by it.
  const record = (status: number | null, id: string | null, db: StoreQueries = deps.store) =>
    db.putIdempotency({
      principal: principalKey,
      key: idempotencyKey!,
      fingerprint: fingerprint({ direct: metadata }),
      state: status === null ? 'in_flight' : 'done',
      status_code: status,
      snapshot_id: id,
      created_at: deps.now().toISOString(),
    });

  return {
    async begin(m) {
      metadata = m;
      if (!idempotencyKey) return;
      const fp = fingerprint({ direct: metadata });
      await deps.store.transaction(async (tx) => {
        const o = await checkIdempotency(tx, deps, {
          principal: principalKey,
          key: idempotencyKey,
          fingerprint: fp,
        });
        if (o.kind === 'replay') throw new Replay(o.status, o.snapshot);
        await record(null, null, tx);
        claimed = true;
      });
    },
    async addFile(kind, stream, mimeType) {
      const ext = extensionFor(kind, mimeType);
      if (!ext) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          `Content-Type "${mimeType}" is not accepted for ${kind}: use one of ${acceptedContentTypes(kind).join(', ')}.`,
        );
      }
      const project = metadata!.project_id;
      const key = artifactKey(kind, project, snapshotId, ext);
      const staged = await stageObject(deps.storage, project, key, stream, {
        maxBytes: deps.maxUploadBytes,
      });
      files.push({
        kind,
        staged,
        contentType: baseContentType(mimeType),
        size: staged.size,
        sha256: staged.sha256,
      });
    },
    kinds: () => files.map((f) => f.kind),
    async finish() {
      // Identical bytes are stored once per project (storage/objects.ts): each part settles
      // at its object key, under the objects' locks until the rows commit. A duplicate
      // publish (or a refusal) leaves objects nobody names, which withObjects then drops.
      const project = metadata!.project_id;
      const keyOf = (f: Stored) => objectKey(project, f.sha256);
      const result = await withObjects(
        deps,
        files.map(keyOf),
        async () => {
          for (const f of files) await f.staged.settle(keyOf(f));
          return commit(deps, metadata!, files, snapshotId, keyOf);
        },
        // A new snapshot's rows name every object; a duplicate's may leave some unnamed.
        (r) => !r.duplicate,
      );
      if (idempotencyKey) await record(result.status, result.id);
      // The new snapshot as read inside its transaction; a duplicate is read now.
      const snapshot = result.snapshot ?? (await deps.store.getSnapshot(result.id))!;
      return { status: result.status, snapshot };
    },
    async abort() {
      await Promise.all(files.map((f) => f.staged.discard()));
      if (claimed && idempotencyKey)
        await deps.store.deleteIdempotency(principalKey, idempotencyKey);
    },
  };
}

/** One transaction: the natural key may return an existing ready snapshot, else insert ready. */
async function commit(
  deps: SnapshotDeps,
  metadata: DirectPublishMetadata,
  files: Stored[],
  snapshotId: string,
  keyOf: (f: Stored) => string,
) {
  const artifacts = {
    plot: files.some((f) => f.kind === 'plot'),
    code: files.some((f) => f.kind === 'code'),
  };
  const checksums = Object.fromEntries(files.map((f) => [f.kind, f.sha256]));
  const { replace, ...rest } = metadata;
  return commitThenNotify(deps, async (tx, emit) => {
    await tx.lockObjectRefs();
    for (const f of files) await requireObject(deps.storage, keyOf(f));
    const colId = await collectionId(tx, deps, metadata.project_id, metadata.collection);
    const { reuse, supersedes, limited } = await resolveNaturalKey(tx, metadata, colId, {
      artifacts,
      checksums,
      replace,
      readyOnly: true,
    });
    if (reuse) return { status: 200, id: reuse.id, duplicate: true, snapshot: undefined };
    if (limited) {
      await checkDirectPublishQuota(
        tx,
        metadata.project_id,
        files.reduce((n, f) => n + f.size, 0),
      );
    }
    const now = deps.now().toISOString();
    const inserted = await insertSnapshot(tx, deps, rest as DirectPublishMetadata, {
      collectionId: colId,
      artifacts,
      checksums,
      supersedes,
      id: snapshotId,
    });
    const rows = files.map((f) => ({
      snapshot_id: snapshotId,
      kind: f.kind,
      storage_key: keyOf(f),
      content_type: f.contentType,
      size: f.size,
      sha256: f.sha256,
      created_at: now,
    }));
    for (const row of rows) await tx.putArtifact(row);
    // The record as inserted plus the rows just written (in the kind order reads return).
    const stored = { ...inserted, files: [...rows].sort((a, b) => a.kind.localeCompare(b.kind)) };
    const snapshot = await markReady(tx, deps, emit, stored, now);
    return { status: 201, id: snapshotId, duplicate: false, snapshot };
  });
}
