/**
 * Plot review: compare (publisher), read a comparison (reader), review (publisher) and the
 * difference image (reader's bearer token, or the signature of diff_url).
 */
import { ComparisonSchema, contract } from '@snapshotplot/api-client/contract';
import type { Router } from 'express';
import { canRead, requireRole } from '../auth/principal.js';
import { completeHead, diffImage, readComparison, recordReview } from '../comparisons/service.js';
import { notFound } from '../errors.js';
import { readSnapshot } from '../snapshots/read.js';
import { type AppContext, comparisonDeps } from './context.js';
import { mountFor } from './mount.js';
import { authorise, signedCacheControl } from './routes-artifacts.js';

const PROJECT = { names: { id: 'project id' } };

export function comparisonRoutes(ctx: AppContext, router: Router): void {
  const mount = mountFor(ctx);
  const deps = comparisonDeps(ctx);

  mount(
    router,
    contract.compare,
    async ({ principal, params: { id }, body, res }) => {
      requireRole(principal, id, 'publisher');
      res.json(ComparisonSchema.parse(await completeHead(deps, principal, id, body)));
    },
    PROJECT,
  );

  mount(
    router,
    contract.getComparison,
    async ({ principal, params: { id }, query, res }) => {
      requireRole(principal, id, 'reader');
      res.json(ComparisonSchema.parse(await readComparison(deps, id, query)));
    },
    PROJECT,
  );

  mount(
    router,
    contract.review,
    async ({ principal, params: { id }, body, res }) => {
      requireRole(principal, id, 'publisher');
      res.json(ComparisonSchema.parse(await recordReview(deps, principal, id, body)));
    },
    PROJECT,
  );

  // The signed query is a credential (401/403 answers of its own): read by authorise().
  mount(
    router,
    contract.getDiffImage,
    async ({ params: { id, base_id: baseId }, req, res }) => {
      const principal = await authorise(ctx, req, res, id, `diff.${baseId}`, 'diff_url');
      const snap = await readSnapshot(ctx, id);
      if (!snap || (principal && !canRead(principal, snap.project_id)))
        throw notFound(`Snapshot ${id} not found.`);
      const image = await diffImage(deps, snap.project_id, id, baseId);
      res.setHeader('Content-Type', 'image/png');
      res.set({
        ETag: image.etag,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "sandbox; default-src 'none'",
        'Cache-Control': principal ? 'private, max-age=300' : signedCacheControl(ctx, req),
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      if (req.get('if-none-match') === image.etag) {
        image.stream.destroy();
        res.status(304).end();
        return;
      }
      res.set('Content-Length', String(image.size));
      image.stream.on('error', (err) => {
        req.log?.warn({ reason: err.message }, 'difference image read failed mid-response');
        res.destroy();
      });
      res.once('close', () => image.stream.destroy());
      image.stream.pipe(res);
    },
    { rawQuery: true, names: { id: 'snapshot id', base_id: 'base snapshot id' } },
  );
}
