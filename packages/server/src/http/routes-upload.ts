/**
 * PUT /upload/{kind}/{snapshot_id}?token=…: the raw body of one artifact, streamed to storage.
 * Every check that needs no body runs before a byte is read; the token's nonce is consumed
 * only after the object is safely stored, so a failed upload leaves the URL usable.
 */
import {
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  extensionFor,
  HEADERS,
  Sha256Schema,
  UploadResponseSchema,
} from '@snapshotplot/api-client/contract';
import type { Request, Router } from 'express';
import { readUploadToken } from '../auth/upload-tokens.js';
import {
  badRequest,
  conflict,
  forbidden,
  HttpError,
  notFound,
  StorageLimitError,
  unauthorized,
} from '../errors.js';
import { checkBytesQuota } from '../retention/quota.js';
import { artifactKey } from '../storage/storage.js';
import { extendBodyDeadline } from './body-deadline.js';
import type { AppContext } from './context.js';
import { parseId } from './validate.js';

const invalidToken = (status: 401 | 403, message: string) =>
  status === 401
    ? unauthorized('invalid_upload_token', message, 'invalid_token')
    : forbidden(message, 'invalid_upload_token');

const alreadyStored = (kind: ArtifactKind, snapshotId: string) =>
  conflict(
    'conflict',
    `The ${kind} of ${snapshotId} is already uploaded and cannot be replaced: publish again with "replace": true for a new snapshot.`,
  );

function checkToken(ctx: AppContext, req: Request, snapshotId: string, kind: ArtifactKind) {
  const token = req.query.token;
  if (typeof token !== 'string' || token === '') {
    throw invalidToken(
      401,
      'The upload URL has no token: use the exact upload_urls value returned by publish.',
    );
  }
  const payload = readUploadToken(ctx.secret, token);
  if (!payload) {
    throw invalidToken(
      401,
      'The upload token is not valid (altered or from another server): publish again for fresh upload URLs.',
    );
  }
  if (payload.s !== snapshotId || payload.k !== kind) {
    throw invalidToken(
      403,
      `This upload token is for ${payload.k} of ${payload.s}, not ${kind} of ${snapshotId}: use the URL publish returned for this artifact.`,
    );
  }
  if (payload.e * 1000 <= ctx.now().getTime()) {
    throw forbidden(
      'The upload URL has expired: publish again (same Idempotency-Key) for fresh upload URLs.',
      'upload_url_expired',
    );
  }
  return payload;
}

/** Reads the rest of a request body into nothing; resolves when it ends or the socket closes. */
function drain(req: Request): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.once('error', () => resolve());
    req.resume();
  });
}

export function uploadRoutes(ctx: AppContext, router: Router): void {
  router.put('/upload/:kind/:snapshot_id', async (req, res) => {
    const param = req.params.kind;
    if (param !== 'plot' && param !== 'code')
      throw notFound(`Unknown artifact kind "${param}": use plot or code.`);
    const kind: ArtifactKind = param;
    const snapshotId = parseId(req.params.snapshot_id, 'snapshot_id');
    const token = checkToken(ctx, req, snapshotId, kind);
    res.locals.uploadFor = `${snapshotId}/${kind}`;
    if (await ctx.store.isNonceConsumed(token.n)) {
      throw conflict(
        'upload_url_used',
        'This upload URL was already used successfully: publish again for a fresh one if you need to replace the file.',
      );
    }
    const snapshot = await ctx.store.getSnapshot(snapshotId);
    if (!snapshot)
      throw notFound(`Snapshot ${snapshotId} does not exist (deleted?): publish again.`);
    if (snapshot.status === 'ready') {
      throw conflict(
        'snapshot_ready',
        `Snapshot ${snapshotId} is already ready; its files cannot change: publish a new snapshot instead.`,
      );
    }
    // A stored artifact is never overwritten: a rename over it could race a finalize and
    // leave a row whose sha256 no longer matches the bytes. Changing it is a new snapshot.
    if (snapshot.files.some((f) => f.kind === kind)) throw alreadyStored(kind, snapshotId);
    const contentType = req.get('content-type') ?? '';
    const ext = extensionFor(kind, contentType);
    if (!ext) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        `Content-Type "${contentType || '(none)'}" is not accepted for ${kind}: use one of ${acceptedContentTypes(kind).join(', ')}.`,
      );
    }
    const max = ctx.config.maxUploadBytes;
    const length = req.get('content-length');
    if (length !== undefined && Number(length) > max) {
      throw new HttpError(
        413,
        'payload_too_large',
        `The upload is ${length} bytes, over the server's limit of ${max}: make the file smaller or raise --max-upload-bytes.`,
      );
    }
    // A declared size over the project's quota is refused before a byte is read.
    if (length !== undefined) await checkBytesQuota(ctx.store, snapshot.project_id, Number(length));
    const header = req.get(HEADERS.contentSha256);
    if (header !== undefined && !Sha256Schema.safeParse(header).success) {
      throw badRequest(
        `Invalid ${HEADERS.contentSha256} header: must be a lower-case hex SHA-256.`,
      );
    }
    if (token.h && header && header !== token.h) {
      throw new HttpError(
        400,
        'checksum_mismatch',
        `The ${HEADERS.contentSha256} header does not match the checksum given at publish: upload the file that was published.`,
      );
    }
    // In-process on SQLite; a session advisory lock on PostgreSQL, so replicas see each
    // other's uploads and a replica that dies mid-upload releases it with its connection.
    const lock = `${snapshotId}/${kind}`;
    const unlock = await ctx.store.tryLock(`upload:${lock}`);
    if (!unlock) {
      throw conflict(
        'conflict',
        `Another upload of ${kind} for ${snapshotId} is in progress: wait for it to finish.`,
      );
    }
    ctx.uploadsInProgress.add(lock);
    // A client trickling bytes (slow loris) would hold this socket, the lock and a temp file
    // for ever: the whole body must arrive within uploadTimeoutMs, else 408 and the connection
    // is cut (the temp file is removed and the URL stays usable, as for any interrupted upload).
    extendBodyDeadline(req, res, ctx.config.uploadTimeoutMs);
    try {
      const key = artifactKey(kind, snapshot.project_id, snapshotId, ext);
      const stored = await ctx.storage.put(key, req, {
        maxBytes: max,
        expectedSha256: token.h ?? header,
      });
      const now = ctx.now().toISOString();
      const row = {
        snapshot_id: snapshotId,
        kind,
        storage_key: key,
        content_type: baseContentType(contentType),
        size: stored.size,
        sha256: stored.sha256,
        created_at: now,
      };
      // Set when the stored object is ours alone and refused: removed after the transaction
      // (storage I/O must not hold the database's write lock).
      let drop = false;
      await ctx.store
        .transaction(async (tx) => {
          const current = await tx.getSnapshot(snapshotId);
          if (!current) {
            // The deletion removed the files it knew of; this one arrived after: ours to drop.
            drop = true;
            throw notFound(`Snapshot ${snapshotId} was deleted during the upload.`);
          }
          if (current.status === 'ready')
            throw conflict(
              'snapshot_ready',
              `Snapshot ${snapshotId} became ready during the upload.`,
            );
          if (current.files.some((f) => f.kind === kind)) throw alreadyStored(kind, snapshotId);
          // Exact size known now (chunked bodies too); the object is ours alone: drop it if refused.
          drop = true;
          await checkBytesQuota(tx, snapshot.project_id, row.size);
          drop = false;
          const expires = new Date(token.e * 1000).toISOString();
          if (!(await tx.consumeNonce(token.n, snapshotId, kind, expires, now))) {
            throw conflict('upload_url_used', 'This upload URL was already used successfully.');
          }
          await tx.putArtifact(row);
        })
        .catch(async (error: unknown) => {
          if (drop) await ctx.storage.delete(key).catch(() => {}); // a leftover is only bytes
          throw error;
        });
      res.status(200).json(
        UploadResponseSchema.parse({
          snapshot_id: snapshotId,
          kind,
          content_type: row.content_type,
          size: row.size,
          sha256: row.sha256,
        }),
      );
    } catch (error) {
      // The client is still sending: read and drop the rest (bounded by the deadline above and
      // the size checks) so it reads our 507/503/400 instead of a reset connection.
      if (!(error instanceof StorageLimitError)) await drain(req);
      throw error;
    } finally {
      ctx.uploadsInProgress.delete(lock);
      await unlock();
    }
  });
}
