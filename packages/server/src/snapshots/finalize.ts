/**
 * Finalize (DESIGN.md "Finalize"): a pending snapshot becomes ready only when every requested
 * artifact is stored, else 409 missing_artifacts naming them; finalizing a ready one again is
 * ok. In `--upload-mode presigned` the artifacts were PUT straight to S3, so each upload is
 * first checked and recorded here: the adapter reports what the object is (type, size,
 * sha256), this file decides (415 wrong type, 413 too large, quota, 400 checksum_mismatch,
 * 409 uploaded again meanwhile).
 */
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  extensionFor,
} from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import {
  conflict,
  HttpError,
  notFound,
  StorageChecksumError,
  StorageLimitError,
} from '../errors.js';
import { readyEvent } from '../events/record.js';
import { checkBytesQuota } from '../retention/quota.js';
import { ObjectGoneError, objectKey, requireObject, withObjects } from '../storage/objects.js';
import type { PresignedUploads } from '../storage/s3-presigned.js';
import { commitThenNotify, type Emit } from './commit.js';
import type { SnapshotDeps } from './deps.js';
import { deliveryPath, missingKinds, toSnapshot, type ViewDeps } from './view.js';

/**
 * Marks a pending snapshot ready and emits snapshot.ready; returns the record as it now is
 * (the caller's record, read or built inside the same transaction, with the ready fields set:
 * no re-read), or undefined if it was not pending.
 */
export async function markReady(
  tx: StoreQueries,
  deps: ViewDeps,
  emit: Emit,
  snap: SnapshotRecord,
  now: string = deps.now().toISOString(),
): Promise<SnapshotRecord | undefined> {
  const urls = {
    plot_url: snap.artifacts.plot ? deliveryPath(snap.id, 'plot') : null,
    code_url: snap.artifacts.code ? deliveryPath(snap.id, 'code') : null,
  };
  const made = await tx.markReady(snap.id, now, urls);
  // Only the call that made it ready emits the event (a concurrent finalize does not).
  if (!made) return undefined;
  const ready: SnapshotRecord = { ...snap, ...urls, status: 'ready', finalized_at: now };
  await emit(readyEvent(deps, toSnapshot(deps, ready)));
  return ready;
}

const unknownSnapshot = (snapshotId: string, projectId: string) =>
  notFound(`Snapshot ${snapshotId} does not exist in project ${projectId}: check the ids.`);

/** The 409 for a pending snapshot that lacks a requested artifact; undefined when complete. */
function missingArtifacts(snap: SnapshotRecord) {
  const missing = missingKinds(snap);
  if (!missing.length) return undefined;
  return conflict(
    'missing_artifacts',
    `Snapshot ${snap.id} is missing ${missing.join(' and ')}: upload ${missing.length > 1 ? 'them' : 'it'} to the URL from publish, then finalize.`,
    { missing },
  );
}

/**
 * Finalizes a snapshot of `projectId`; returns it as stored afterwards (ready). The checked
 * update (finalizeIfComplete, which returns the row) and the event are one transaction; the
 * snapshot is read only when it was not made ready, to say why.
 */
export async function finalize(
  deps: SnapshotDeps,
  projectId: string,
  snapshotId: string,
): Promise<SnapshotRecord> {
  if (deps.presigned) return finalizePresigned(deps, deps.presigned, projectId, snapshotId);
  return commitThenNotify(deps, async (tx, emit) => {
    const urls = {
      plot_url: deliveryPath(snapshotId, 'plot'),
      code_url: deliveryPath(snapshotId, 'code'),
    };
    // One statement on the way that matters: the update checks and returns the row.
    const ready = await tx.finalizeIfComplete(
      snapshotId,
      projectId,
      deps.now().toISOString(),
      urls,
    );
    if (ready) {
      await emit(readyEvent(deps, toSnapshot(deps, ready)));
      return ready;
    }
    // Not made ready: unknown, ready already (ok, finalize is idempotent), or incomplete.
    const snap = await tx.getSnapshot(snapshotId);
    if (!snap || snap.project_id !== projectId) throw unknownSnapshot(snapshotId, projectId);
    if (snap.status !== 'pending') return snap;
    throw (
      missingArtifacts(snap) ??
      conflict('conflict', `Snapshot ${snapshotId} changed during finalize: finalize again.`)
    );
  });
}

/** --upload-mode presigned: the uploads are checked and recorded first (collectPresigned). */
async function finalizePresigned(
  deps: SnapshotDeps,
  presigned: PresignedUploads,
  projectId: string,
  snapshotId: string,
): Promise<SnapshotRecord> {
  let snap = await deps.store.getSnapshot(snapshotId);
  if (!snap || snap.project_id !== projectId) throw unknownSnapshot(snapshotId, projectId);
  if (snap.status === 'pending') snap = await collectPresigned(deps, presigned, snap);
  if (snap.status === 'pending') {
    const missing = missingArtifacts(snap);
    if (missing) throw missing;
    const pending = snap;
    const ready = await commitThenNotify(deps, (tx, emit) => markReady(tx, deps, emit, pending));
    if (ready) return ready;
  }
  return (await deps.store.getSnapshot(snap.id))!;
}

/** Checks and records every presigned upload of a pending snapshot; returns it re-read. */
async function collectPresigned(
  deps: SnapshotDeps,
  presigned: PresignedUploads,
  snap: SnapshotRecord,
): Promise<SnapshotRecord> {
  for (const kind of ARTIFACT_KINDS) {
    if (snap.artifacts[kind] && !snap.files.some((f) => f.kind === kind)) {
      await collectOne(deps, presigned, snap, kind);
    }
  }
  const fresh = await deps.store.getSnapshot(snap.id);
  if (!fresh) throw notFound(`Snapshot ${snap.id} was deleted during finalize.`);
  return fresh;
}

/** One presigned upload: absent stays missing; a bad one is deleted and refused. */
async function collectOne(
  deps: SnapshotDeps,
  presigned: PresignedUploads,
  s: SnapshotRecord,
  kind: ArtifactKind,
): Promise<void> {
  const object = await presigned.inspect(s, kind);
  if (!object) return;
  const refuse = async (error: unknown): Promise<never> => {
    await presigned.discard(object.key);
    throw error;
  };
  const ext = extensionFor(kind, object.contentType);
  if (!ext) {
    await refuse(
      new HttpError(
        415,
        'unsupported_media_type',
        `The uploaded ${kind} has Content-Type "${object.contentType || '(none)'}", not accepted for ${kind}: upload again with one of ${acceptedContentTypes(kind).join(', ')}.`,
      ),
    );
  }
  const max = deps.maxUploadBytes;
  if (object.size > max) await refuse(new StorageLimitError(max));
  // Over the project's quota: refused like an oversized body, and the upload is not kept.
  await checkBytesQuota(deps.store, s.project_id, object.size).catch(refuse);
  const digest = await presigned.digest(object, max);
  if (!digest) return; // replaced or removed meanwhile: seen as missing, finalize again
  if (digest.over) return refuse(new StorageLimitError(max));
  const expected = s.checksums[kind];
  if (expected && expected !== digest.sha256) {
    await refuse(new StorageChecksumError(expected, digest.sha256));
  }
  // Promoted to its content key (storage/objects.ts) under the object's lock; when that
  // object exists already (identical bytes in this project), nothing is copied.
  const target = objectKey(s.project_id, digest.sha256);
  const row = {
    snapshot_id: s.id,
    kind,
    storage_key: target,
    content_type: baseContentType(object.contentType),
    size: object.size,
    sha256: digest.sha256,
    created_at: deps.now().toISOString(),
  };
  const recorded = await withObjects(deps, [target], async () => {
    if (!(await presigned.storage.stat(target))) {
      const copied = await presigned.promote(object, target);
      if (copied === 'gone') return false;
      if (copied === 'changed') {
        throw conflict(
          'conflict',
          `The ${kind} of ${s.id} was uploaded again while finalize checked it: finalize again.`,
        );
      }
    }
    await deps.store.transaction(async (tx) => {
      await tx.lockObjectRefs();
      await requireObject(presigned.storage, target);
      const current = await tx.getSnapshot(s.id);
      // A concurrent finalize (another replica) recorded it first: same verified bytes.
      if (current?.status !== 'pending') return;
      if (current.files.some((f) => f.kind === kind)) return;
      await checkBytesQuota(tx, s.project_id, row.size);
      await tx.putArtifact(row);
    });
    return true;
  }).catch(async (error: unknown) => {
    // Refused while recording (a concurrent upload took the quota): keep nothing (an object
    // nobody names was dropped by withObjects). Only a vanished object keeps the upload, so
    // finalizing again (503 is retried) promotes it afresh.
    if (!(error instanceof ObjectGoneError)) await presigned.discard(object.key).catch(() => {});
    throw error;
  });
  if (recorded) await presigned.discard(object.key).catch(() => {});
}
