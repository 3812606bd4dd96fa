/** POST /api/snapshots/publish: JSON (upload URLs) or multipart/form-data (direct upload). */
import {
  HEADERS,
  IdempotencyKeySchema,
  PublishRequestSchema,
  PublishResponseSchema,
} from '@snapshotplot/api-client/contract';
import express, { type Request, type Router } from 'express';
import { requireRole } from '../auth/principal.js';
import { badRequest, HttpError } from '../errors.js';
import { principalOf } from './auth-helpers.js';
import { extendBodyDeadline } from './body-deadline.js';
import type { AppContext } from './context.js';
import { directPublish } from './direct-publish.js';
import { publish } from './publish-service.js';
import { toPublishResponse } from './snapshot-view.js';
import { parseWith } from './validate.js';

export const JSON_LIMIT = '1mb';

/** The Idempotency-Key header, validated; undefined when absent. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get(HEADERS.idempotencyKey);
  if (key === undefined) return undefined;
  if (!IdempotencyKeySchema.safeParse(key).success) {
    throw badRequest('Invalid Idempotency-Key header: use 1-255 visible ASCII characters.');
  }
  return key;
}

/** A JSON body parser that refuses other media types with 415. */
export function jsonBody() {
  const parse = express.json({ limit: JSON_LIMIT, strict: false });
  return (req: Request, res: express.Response, next: express.NextFunction) => {
    if (!req.is('application/json')) {
      next(
        new HttpError(415, 'unsupported_media_type', 'Send the request body as application/json.'),
      );
      return;
    }
    parse(req, res, next);
  };
}

export function publishRoutes(ctx: AppContext, router: Router): void {
  const json = jsonBody();
  router.post('/api/snapshots/publish', async (req, res, next) => {
    const principal = await principalOf(ctx, req, res);
    const key = idempotencyKeyOf(req);
    if (req.is('multipart/form-data')) {
      // Files stream in this body: an upload's deadline, not a JSON body's.
      extendBodyDeadline(req, res, ctx.config.uploadTimeoutMs);
      await directPublish(ctx, req, res, principal, key);
      return;
    }
    json(req, res, async (err?: unknown) => {
      try {
        if (err) throw err;
        const body = parseWith(PublishRequestSchema, req.body);
        requireRole(principal, body.project_id, 'publisher');
        const { status, snapshot } = await publish(ctx, principal.key, body, key);
        const response = toPublishResponse(ctx, snapshot);
        // --upload-mode presigned: the client PUTs straight to S3 (see storage/s3-presigned.ts).
        if (ctx.presigned) await ctx.presigned.rewrite(response, snapshot, ctx.config.uploadUrlTtl);
        res.status(status).json(PublishResponseSchema.parse(response));
      } catch (error) {
        next(error);
      }
    });
  });
}
