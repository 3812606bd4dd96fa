/**
 * PUT /upload/{kind}/{snapshot_id}?token=…: parse the headers, authorise by the URL's token,
 * hand the body to the upload service (snapshots/upload.ts), answer what was stored.
 */
import {
  contract,
  HEADERS,
  Sha256Schema,
  UploadResponseSchema,
} from '@snapshotplot/api-client/contract';
import type { Request, Router } from 'express';
import { badRequest, StorageLimitError } from '../errors.js';
import { upload } from '../snapshots/upload.js';
import { authoriseUpload } from '../snapshots/upload-grant.js';
import { extendBodyDeadline } from './body-deadline.js';
import { type AppContext, snapshotDeps } from './context.js';
import { mountFor } from './mount.js';

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

/** The x-content-sha256 header, when sent (400 when it is not a lower-case hex SHA-256). */
function sha256Header(req: Request): string | undefined {
  const header = req.get(HEADERS.contentSha256);
  if (header !== undefined && !Sha256Schema.safeParse(header).success) {
    throw badRequest(`Invalid ${HEADERS.contentSha256} header: must be a lower-case hex SHA-256.`);
  }
  return header;
}

export function uploadRoutes(ctx: AppContext, router: Router): void {
  const mount = mountFor(ctx);
  const deps = snapshotDeps(ctx);
  // The token in the query is a credential: missing or bad is 401/403, never a 400.
  mount(
    router,
    contract.upload,
    async ({ params: { kind, snapshot_id }, req, res }) => {
      const grant = authoriseUpload(deps, req.query.token, snapshot_id, kind);
      res.locals.uploadFor = `${snapshot_id}/${kind}`;
      const length = req.get('content-length');
      let streaming = false;
      try {
        const stored = await upload(deps, grant, {
          contentType: req.get('content-type') ?? '',
          declaredLength: length === undefined ? undefined : Number(length),
          sha256: sha256Header(req),
          body: req,
          beforeBody() {
            streaming = true;
            // A client trickling bytes (slow loris) would hold this socket, the lock and a
            // temp file for ever: the whole body must arrive within uploadTimeoutMs, else 408
            // and the connection is cut (the URL stays usable, as for any interrupted upload).
            extendBodyDeadline(req, res, ctx.config.uploadTimeoutMs);
          },
        });
        res.status(200).json(UploadResponseSchema.parse(stored));
      } catch (error) {
        // The client is still sending: read and drop the rest (bounded by the deadline and the
        // size checks) so it reads our 507/503/400 instead of a reset connection.
        if (streaming && !(error instanceof StorageLimitError)) await drain(req);
        throw error;
      }
    },
    { rawQuery: true },
  );
}
