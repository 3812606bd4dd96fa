/**
 * Multipart direct publish: a `metadata` JSON field first, then `plot` / `code` file parts,
 * each streamed to storage through busboy (never buffered), then one transaction that
 * creates the snapshot ready. Any failure deletes what was stored; nothing partial remains.
 */
import {
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  DirectPublishMetadataSchema,
  extensionFor,
  SnapshotSchema,
} from '@snapshotplot/api-client';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { type Principal, requireRole } from '../auth/principal.js';
import { badRequest, HttpError } from '../errors.js';
import { newId } from '../ids.js';
import { artifactKey } from '../storage/storage.js';
import type { AppContext } from './context.js';
import {
  checkIdempotency,
  collectionId,
  fingerprint,
  insertSnapshot,
  sameResult,
} from './publish-service.js';
import { deliveryPath, toSnapshot } from './snapshot-view.js';
import { parseWith } from './validate.js';

type Stored = {
  kind: ArtifactKind;
  key: string;
  contentType: string;
  size: number;
  sha256: string;
};
type Parsed = { metadata: ReturnType<typeof DirectPublishMetadataSchema.parse>; files: Stored[] };

class Replay {
  constructor(
    readonly status: number,
    readonly snapshotId: string,
  ) {}
}

/** Streams the parts; resolves with the metadata and stored files, or rejects after cleanup. */
function receive(
  ctx: AppContext,
  req: Request,
  principal: Principal,
  key: string | undefined,
  snapshotId: string,
  claim: { claimed: boolean },
) {
  return new Promise<Parsed>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fields: 2, files: 3, parts: 5, fieldSize: 1024 * 1024 },
      });
    } catch {
      reject(badRequest('Invalid multipart/form-data request: the boundary is missing.'));
      return;
    }
    let metadata: Parsed['metadata'] | undefined;
    let failed = false;
    let chain: Promise<unknown> = Promise.resolve();
    const files: Stored[] = [];
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      reject(error);
    };
    // Parts are handled strictly in order: metadata (auth, idempotency) before any file.
    const step = (fn: () => Promise<unknown>) => {
      chain = chain.then(() => (failed ? undefined : fn())).catch(fail);
    };
    bb.on('field', (name, value) =>
      step(async () => {
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
        if (key) {
          const fp = fingerprint({ direct: metadata });
          await ctx.store.transaction(async (tx) => {
            const o = await checkIdempotency(tx, ctx, {
              principal: principal.key,
              key,
              fingerprint: fp,
            });
            if (o.kind === 'replay') throw new Replay(o.status, o.snapshot.id);
            await tx.putIdempotency({
              principal: principal.key,
              key,
              fingerprint: fp,
              state: 'in_flight',
              status_code: null,
              snapshot_id: null,
              created_at: ctx.now().toISOString(),
            });
            claim.claimed = true;
          });
        }
      }),
    );
    bb.on('file', (name, stream, info) => {
      if (failed) {
        stream.resume();
        return;
      }
      step(async () => {
        try {
          if (!metadata) throw badRequest('Send the "metadata" field before the file parts.');
          if (name !== 'plot' && name !== 'code')
            throw badRequest(`Unknown file part "${name}": use "plot" or "code".`);
          if (files.some((f) => f.kind === name))
            throw badRequest(`The "${name}" file was sent twice.`);
          const ext = extensionFor(name, info.mimeType);
          if (!ext) {
            throw new HttpError(
              415,
              'unsupported_media_type',
              `Content-Type "${info.mimeType}" is not accepted for ${name}: use one of ${acceptedContentTypes(name).join(', ')}.`,
            );
          }
          const storageKey = artifactKey(name, metadata.project_id, snapshotId, ext);
          const r = await ctx.storage.put(storageKey, stream, {
            maxBytes: ctx.config.maxUploadBytes,
          });
          files.push({
            kind: name,
            key: storageKey,
            contentType: baseContentType(info.mimeType),
            ...r,
          });
        } finally {
          stream.resume();
        }
      });
    });
    bb.on('partsLimit', () =>
      fail(badRequest('Too many parts: send one "metadata" field and at most "plot" and "code".')),
    );
    bb.on('filesLimit', () => fail(badRequest('Too many files: send at most "plot" and "code".')));
    bb.on('error', (e) => fail(badRequest(`Malformed multipart body: ${(e as Error).message}.`)));
    req.on('aborted', () => fail(new Error('client aborted')));
    bb.on('close', () =>
      step(async () => {
        if (!metadata) throw badRequest('The "metadata" field is missing.');
        if (files.length === 0) throw badRequest('Send at least one file part: "plot" or "code".');
        resolve({ metadata, files });
      }),
    );
    // Cleanup of files stored before a failure.
    const original = reject;
    reject = (e) => {
      void Promise.all(files.map((f) => ctx.storage.delete(f.key).catch(() => {}))).then(() =>
        original(e),
      );
    };
    req.pipe(bb);
  });
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
  const claim = { claimed: false };
  let parsed: Parsed;
  try {
    parsed = await receive(ctx, req, principal, key, snapshotId, claim);
  } catch (error) {
    if (claim.claimed && key) await ctx.store.deleteIdempotency(principal.key, key);
    if (error instanceof Replay) {
      const snap = (await ctx.store.getSnapshot(error.snapshotId))!;
      res
        .set('Connection', 'close')
        .status(error.status)
        .json(SnapshotSchema.parse(toSnapshot(ctx, snap)));
      return;
    }
    throw error;
  }
  const { metadata, files } = parsed;
  const artifacts = {
    plot: files.some((f) => f.kind === 'plot'),
    code: files.some((f) => f.kind === 'code'),
  };
  const checksums = Object.fromEntries(files.map((f) => [f.kind, f.sha256]));
  const { replace, ...rest } = metadata;
  try {
    const result = await ctx.store.transaction(async (tx) => {
      const colId = await collectionId(tx, ctx, metadata.project_id, metadata.collection);
      let supersedes: string | null = null;
      if (metadata.commit_sha) {
        const existing = await tx.findByNaturalKey(
          metadata.project_id,
          metadata.commit_sha,
          metadata.title,
          colId,
        );
        if (
          existing?.status === 'ready' &&
          !replace &&
          sameResult(existing, artifacts, checksums)
        ) {
          return { status: 200, id: existing.id, duplicate: true };
        }
        supersedes = existing?.id ?? null;
      }
      await insertSnapshot(tx, ctx, rest, {
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
          created_at: ctx.now().toISOString(),
        });
      }
      await tx.markReady(snapshotId, ctx.now().toISOString(), {
        plot_url: artifacts.plot ? deliveryPath(snapshotId, 'plot') : null,
        code_url: artifacts.code ? deliveryPath(snapshotId, 'code') : null,
      });
      if (key) {
        await tx.putIdempotency({
          principal: principal.key,
          key,
          fingerprint: fingerprint({ direct: metadata }),
          state: 'done',
          status_code: 201,
          snapshot_id: snapshotId,
          created_at: ctx.now().toISOString(),
        });
      }
      return { status: 201, id: snapshotId, duplicate: false };
    });
    if (result.duplicate) {
      for (const f of files) await ctx.storage.delete(f.key);
      if (key)
        await ctx.store.putIdempotency({
          principal: principal.key,
          key,
          fingerprint: fingerprint({ direct: metadata }),
          state: 'done',
          status_code: 200,
          snapshot_id: result.id,
          created_at: ctx.now().toISOString(),
        });
    }
    const snap = (await ctx.store.getSnapshot(result.id))!;
    res.status(result.status).json(SnapshotSchema.parse(toSnapshot(ctx, snap)));
  } catch (error) {
    for (const f of files) await ctx.storage.delete(f.key).catch(() => {});
    if (key) await ctx.store.deleteIdempotency(principal.key, key);
    throw error;
  }
}
