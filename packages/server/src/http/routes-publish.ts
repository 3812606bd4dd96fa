/** POST /api/snapshots/publish: JSON (upload URLs) or multipart/form-data (direct upload). */
import {
  contract,
  HEADERS,
  IdempotencyKeySchema,
  PublishResponseSchema,
} from '@snapshotplot/api-client/contract';
import type { Request, Router } from 'express';
import { requireRole } from '../auth/principal.js';
import { badRequest } from '../errors.js';
import { publish } from '../snapshots/publish.js';
import { toPublishResponse } from '../snapshots/view.js';
import { extendBodyDeadline } from './body-deadline.js';
import { type AppContext, snapshotDeps } from './context.js';
import { mountFor } from './mount.js';
import { publishForm } from './publish-form.js';

/** The Idempotency-Key header, validated; undefined when absent. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get(HEADERS.idempotencyKey);
  if (key === undefined) return undefined;
  if (!IdempotencyKeySchema.safeParse(key).success) {
    throw badRequest('Invalid Idempotency-Key header: use 1-255 visible ASCII characters.');
  }
  return key;
}

export function publishRoutes(ctx: AppContext, router: Router): void {
  const mount = mountFor(ctx);
  const deps = snapshotDeps(ctx);
  // The multipart entry first: it takes only multipart bodies and passes the rest on.
  mount(router, contract.publishDirect, async ({ principal, req, res }) => {
    const key = idempotencyKeyOf(req);
    // Files stream in this body: an upload's deadline, not a JSON body's.
    extendBodyDeadline(req, res, ctx.config.uploadTimeoutMs);
    await publishForm(deps, req, res, principal, key);
  });
  mount(router, contract.publish, async ({ principal, body, req, res }) => {
    const key = idempotencyKeyOf(req);
    requireRole(principal, body.project_id, 'publisher');
    const { status, snapshot } = await publish(deps, principal.key, body, key);
    const response = toPublishResponse(deps, snapshot);
    // --upload-mode presigned: the client PUTs straight to S3 (see storage/s3-presigned.ts).
    if (ctx.presigned) await ctx.presigned.rewrite(response, snapshot, ctx.config.uploadUrlTtl);
    res.status(status).json(PublishResponseSchema.parse(response));
  });
}
