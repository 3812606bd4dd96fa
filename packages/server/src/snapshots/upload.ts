/**
 * One artifact upload (PUT /upload/{kind}/{snapshot_id}), as a state machine over the stored
 * snapshot: the URL's token is checked first (upload-grant.ts), then every rule that needs no
 * body (single use, snapshot state, type, declared size, quota, bound checksum, one upload at
 * a time), and only then is the body streamed to storage and recorded in one transaction.
 * The token's nonce is consumed only once the object is safely stored, so a failed upload
 * leaves the URL usable.
 *
 * Identical bytes are stored once per project (storage/objects.ts). When the sha256 is known
 * before the body (bound at publish, or the x-content-sha256 header) and its object exists,
 * the body is still read and verified but nothing is written. Otherwise it is stored at the
 * per-snapshot key, then moved to its object key (or dropped, when a twin got there first).
 */
import type { Readable } from 'node:stream';
import {
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  extensionFor,
  HEADERS,
} from '@snapshotplot/api-client/contract';
import { conflict, HttpError, notFound } from '../errors.js';
import { checkBytesQuota } from '../retention/quota.js';
import {
  objectKey,
  requireObject,
  stageObject,
  verifyBody,
  withObjects,
} from '../storage/objects.js';
import { artifactKey } from '../storage/storage.js';
import type { SnapshotDeps } from './deps.js';
import type { UploadGrant } from './upload-grant.js';

/** The request as the route parsed it. */
export interface UploadRequest {
  contentType: string;
  /** The Content-Length header, when sent. */
  declaredLength?: number;
  /** A valid x-content-sha256 header, when sent. */
  sha256?: string;
  body: Readable;
  /** Called once the upload may start streaming (the route extends the body's deadline). */
  beforeBody(): void;
}

export interface UploadResult {
  snapshot_id: string;
  kind: ArtifactKind;
  content_type: string;
  size: number;
  sha256: string;
}

const alreadyStored = (kind: ArtifactKind, snapshotId: string) =>
  conflict(
    'conflict',
    `The ${kind} of ${snapshotId} is already uploaded and cannot be replaced: publish again with "replace": true for a new snapshot.`,
  );

/**
 * Everything that can refuse an upload before its body is read; returns the storage key.
 * One statement (uploadTarget: the snapshot, its files, the nonce, the project's byte limit).
 */
async function admit(deps: SnapshotDeps, g: UploadGrant, r: UploadRequest) {
  const { snapshotId, kind, token } = g;
  const target = await deps.store.uploadTarget(snapshotId, token.n);
  if (!target) throw notFound(`Snapshot ${snapshotId} does not exist (deleted?): publish again.`);
  const { snapshot } = target;
  if (target.nonceUsed) {
    throw conflict(
      'upload_url_used',
      'This upload URL was already used successfully: publish again for a fresh one if you need to replace the file.',
    );
  }
  if (snapshot.status === 'ready') {
    throw conflict(
      'snapshot_ready',
      `Snapshot ${snapshotId} is already ready; its files cannot change: publish a new snapshot instead.`,
    );
  }
  // A stored artifact is never overwritten: a rename over it could race a finalize and
  // leave a row whose sha256 no longer matches the bytes. Changing it is a new snapshot.
  if (snapshot.files.some((f) => f.kind === kind)) throw alreadyStored(kind, snapshotId);
  const ext = extensionFor(kind, r.contentType);
  if (!ext) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Type "${r.contentType || '(none)'}" is not accepted for ${kind}: use one of ${acceptedContentTypes(kind).join(', ')}.`,
    );
  }
  const max = deps.maxUploadBytes;
  if (r.declaredLength !== undefined && r.declaredLength > max) {
    throw new HttpError(
      413,
      'payload_too_large',
      `The upload is ${r.declaredLength} bytes, over the server's limit of ${max}: make the file smaller or raise --max-upload-bytes.`,
    );
  }
  // A declared size over the project's quota is refused before a byte is read.
  const limited = target.maxBytes !== null;
  if (limited && r.declaredLength !== undefined) {
    await checkBytesQuota(deps.store, snapshot.project_id, r.declaredLength);
  }
  if (token.h && r.sha256 && r.sha256 !== token.h) {
    throw new HttpError(
      400,
      'checksum_mismatch',
      `The ${HEADERS.contentSha256} header does not match the checksum given at publish: upload the file that was published.`,
    );
  }
  return {
    projectId: snapshot.project_id,
    key: artifactKey(kind, snapshot.project_id, snapshotId, ext),
    limited,
  };
}

/** Stores and records one artifact; throws the refusal (nothing kept) otherwise. */
export async function upload(
  deps: SnapshotDeps,
  g: UploadGrant,
  r: UploadRequest,
): Promise<UploadResult> {
  const { snapshotId, kind, token } = g;
  const { projectId, key, limited } = await admit(deps, g, r);
  // In-process on SQLite; a session advisory lock on PostgreSQL, so replicas see each
  // other's uploads and a replica that dies mid-upload releases it with its connection.
  const lock = `${snapshotId}/${kind}`;
  const unlock = await deps.store.tryLock(`upload:${lock}`);
  if (!unlock) {
    throw conflict(
      'conflict',
      `Another upload of ${kind} for ${snapshotId} is in progress: wait for it to finish.`,
    );
  }
  deps.uploadsInProgress.add(lock);
  try {
    const options = { maxBytes: deps.maxUploadBytes, expectedSha256: token.h ?? r.sha256 };
    // Known bytes already stored: read them through the checksum only (the promise holds).
    const known = options.expectedSha256 && objectKey(projectId, options.expectedSha256);
    const reuse = known ? (await deps.storage.stat(known)) !== null : false;
    r.beforeBody();
    const stored = reuse
      ? { ...(await verifyBody(r.body, options)), settle: async () => {}, discard: async () => {} }
      : await stageObject(deps.storage, projectId, key, r.body, options);
    const target = objectKey(projectId, stored.sha256);
    const now = deps.now().toISOString();
    const row = {
      snapshot_id: snapshotId,
      kind,
      storage_key: target,
      content_type: baseContentType(r.contentType),
      size: stored.size,
      sha256: stored.sha256,
      created_at: now,
    };
    // Under the object's lock: it is there when the row commits; if the row is refused (or
    // the snapshot went meanwhile) and nothing else names the object, withObjects drops it.
    // Bytes never settled (the lock not had, the settle failed) are dropped by discard().
    await withObjects(
      deps,
      [target],
      async () => {
        await stored.settle(target);
        await deps.store.transaction(async (tx) => {
          // Exact size known now (chunked bodies too). Quotas count logical bytes: every
          // artifact its full size, shared object or not (README "Storage layout"). Only
          // projects that had a byte limit when the upload was admitted are counted, under the
          // write lock taken first (SQLite), so two processes cannot both fit in the limit.
          if (limited) {
            await tx.lockObjectRefs();
            await checkBytesQuota(tx, projectId, row.size);
          }
          // The artifact row: the only write, it keeps the URL's nonce (single use, 0014) and
          // on SQLite takes the database's write lock, so the object check below and the row
          // are one step for every process (what lockObjectRefs is for elsewhere); a refusal
          // below rolls it back and leaves the URL usable.
          if (await tx.insertArtifactIfPending(row, token.n)) {
            await requireObject(deps.storage, target);
            return;
          }
          // Refused: say why (deleted, finalized or uploaded meanwhile, by this URL or not).
          const current = await tx.uploadTarget(snapshotId, token.n);
          if (!current) throw notFound(`Snapshot ${snapshotId} was deleted during the upload.`);
          if (current.snapshot.status === 'ready')
            throw conflict(
              'snapshot_ready',
              `Snapshot ${snapshotId} became ready during the upload.`,
            );
          if (current.nonceUsed)
            throw conflict('upload_url_used', 'This upload URL was already used successfully.');
          throw alreadyStored(kind, snapshotId);
        });
        // Committed: the row names the object.
      },
      () => true,
    ).finally(() => stored.discard());
    return {
      snapshot_id: snapshotId,
      kind,
      content_type: row.content_type,
      size: row.size,
      sha256: row.sha256,
    };
  } finally {
    deps.uploadsInProgress.delete(lock);
    await unlock();
  }
}
