/**
 * Multipart direct publish: a `metadata` JSON field first, then `plot` / `code` file parts,
 * each streamed to storage, then one transaction that creates the snapshot ready.
 * Any failure deletes what was stored; nothing partial remains.
 */
import {
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  type DirectPublishMetadata,
  DirectPublishMetadataSchema,
  extensionFor,
  SnapshotSchema,
} from '@snapshotplot/api-client/contract';
import type { Request, Response } from 'express';
import { type Principal, requireRole } from '../auth/principal.js';
import type { StoreQueries } from '../data/store.js';
import { badRequest, HttpError } from '../errors.js';
import { newId } from '../ids.js';
import { checkDirectPublishQuota } from '../retention/quota.js';
import { artifactKey } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { checkIdempotency, fingerprint } from './idempotency.js';
import { readMultipart } from './multipart.js';
import {
  collectionId,
  insertSnapshot,
  markReadyWithEvent,
  resolveNaturalKey,
} from './publish-service.js';
import { toSnapshot } from './snapshot-view.js';
import { parseWith } from './validate.js';

type Metadata = ReturnType<typeof DirectPublishMetadataSchema.parse>;
type Stored = {
  kind: ArtifactKind;
  key: string;
  contentType: string;
  size: number;
  sha256: string;
};

/** Thrown from the metadata step when the Idempotency-Key replays an earlier request. */
class Replay {
  constructor(
    readonly status: number,
    readonly snapshotId: string,
  ) {}
}

/** Handles POST /api/snapshots/publish with multipart/form-data. */
export async function directPublish(
  ctx: AppContext,
  req: Request,
  res: Response,
  principal: Principal,
  key?: string,
) {
  const snapshotId = newId('snap', ctx.now().getTime());
  let metadata: Metadata | undefined;
  let claimed = false;
  const files: Stored[] = [];
  // Inside a transaction pass `tx`: the store's single connection is held by it.
  const record = (status: number | null, id: string | null, db: StoreQueries = ctx.store) =>
    db.putIdempotency({
      principal: principal.key,
      key: key!,
      fingerprint: fingerprint({ direct: metadata }),
      state: status === null ? 'in_flight' : 'done',
      status_code: status,
      snapshot_id: id,
      created_at: ctx.now().toISOString(),
    });

  try {
    await readMultipart(req, {
      async field(name, value) {
        if (name !== 'metadata')
          throw badRequest(
            `Unknown form field "${name}": send "metadata" (JSON) and "plot"/"code" files.`,
          );
        if (metadata) throw badRequest('The "metadata" field was sent twice: send it once.');
        let json: unknown;
        try {
          json = JSON.parse(value);
        } catch {
          throw new HttpError(
            400,
            'invalid_json',
            'The "metadata" field is not valid JSON: check the syntax.',
          );
        }
        metadata = parseWith(DirectPublishMetadataSchema, json, 'metadata');
        requireRole(principal, metadata.project_id, 'publisher');
        if (!key) return;
        // Claim the key before any file is read, so a concurrent twin gets 409 in flight.
        const fp = fingerprint({ direct: metadata });
        await ctx.store.transaction(async (tx) => {
          const o = await checkIdempotency(tx, ctx, {
            principal: principal.key,
            key,
            fingerprint: fp,
          });
          if (o.kind === 'replay') throw new Replay(o.status, o.snapshot.id);
          await record(null, null, tx);
          claimed = true;
        });
      },
      async file(name, stream, mimeType) {
        if (!metadata) throw badRequest('Send the "metadata" field before the file parts.');
        if (name !== 'plot' && name !== 'code')
          throw badRequest(`Unknown file part "${name}": use "plot" or "code".`);
        if (files.some((f) => f.kind === name))
          throw badRequest(`The "${name}" file was sent twice.`);
        const ext = extensionFor(name, mimeType);
        if (!ext) {
          throw new HttpError(
            415,
            'unsupported_media_type',
            `Content-Type "${mimeType}" is not accepted for ${name}: use one of ${acceptedContentTypes(name).join(', ')}.`,
          );
        }
        const storageKey = artifactKey(name, metadata.project_id, snapshotId, ext);
        const r = await ctx.storage.put(storageKey, stream, {
          maxBytes: ctx.config.maxUploadBytes,
        });
        files.push({ kind: name, key: storageKey, contentType: baseContentType(mimeType), ...r });
      },
      async end() {
        if (!metadata) throw badRequest('The "metadata" field is missing.');
        if (files.length === 0) throw badRequest('Send at least one file part: "plot" or "code".');
      },
    });
    const result = await commit(ctx, metadata!, files, snapshotId);
    if (!result.duplicate) ctx.events.notify(metadata!.project_id);
    if (result.duplicate) await Promise.all(files.map((f) => ctx.storage.delete(f.key)));
    if (key) await record(result.status, result.id);
    const snap = (await ctx.store.getSnapshot(result.id))!;
    res.status(result.status).json(SnapshotSchema.parse(toSnapshot(ctx, snap)));
  } catch (error) {
    await Promise.all(files.map((f) => ctx.storage.delete(f.key).catch(() => {})));
    if (claimed && key) await ctx.store.deleteIdempotency(principal.key, key);
    if (!(error instanceof Replay)) throw error;
    const snap = (await ctx.store.getSnapshot(error.snapshotId))!;
    // The rest of the body is not read: do not reuse the connection.
    res
      .set('Connection', 'close')
      .status(error.status)
      .json(SnapshotSchema.parse(toSnapshot(ctx, snap)));
  }
}

/** One transaction: the natural key may return an existing ready snapshot, else insert ready. */
async function commit(ctx: AppContext, metadata: Metadata, files: Stored[], snapshotId: string) {
  const artifacts = {
    plot: files.some((f) => f.kind === 'plot'),
    code: files.some((f) => f.kind === 'code'),
  };
  const checksums = Object.fromEntries(files.map((f) => [f.kind, f.sha256]));
  const { replace, ...rest } = metadata;
  return ctx.store.transaction(async (tx) => {
    const colId = await collectionId(tx, ctx, metadata.project_id, metadata.collection);
    const { reuse, supersedes } = await resolveNaturalKey(tx, metadata, colId, {
      artifacts,
      checksums,
      replace,
      readyOnly: true,
    });
    if (reuse) return { status: 200, id: reuse.id, duplicate: true };
    await checkDirectPublishQuota(
      tx,
      metadata.project_id,
      files.reduce((n, f) => n + f.size, 0),
    );
    const now = ctx.now().toISOString();
    await insertSnapshot(tx, ctx, rest as DirectPublishMetadata, {
      collectionId: colId,
      artifacts,
      checksums,
      supersedes,
      id: snapshotId,
    });
    for (const f of files) {
      await tx.putArtifact({
        snapshot_id: snapshotId,
        kind: f.kind,
        storage_key: f.key,
        content_type: f.contentType,
        size: f.size,
        sha256: f.sha256,
        created_at: now,
      });
    }
    await markReadyWithEvent(tx, ctx, snapshotId, artifacts, now);
    return { status: 201, id: snapshotId, duplicate: false };
  });
}
