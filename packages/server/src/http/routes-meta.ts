/** GET /healthz and GET /openapi.json (the document describes the API; it is not in it). */
import { contract, HealthResponseSchema } from '@snapshotplot/api-client/contract';
import type { Router } from 'express';
import { principalOf } from './auth-helpers.js';
import type { AppContext } from './context.js';
import { mountFor } from './mount.js';

export function metaRoutes(ctx: AppContext, router: Router, version: string): void {
  const mount = mountFor(ctx);
  mount(router, contract.health, async ({ req, res }) => {
    // A bearer header let this probe past the unauthenticated cap (admission.ts): it must be
    // a real credential (any role, any project), so a forged one cannot buy storage checks.
    if (req.headers.authorization) await principalOf(ctx, req, res);
    const database = await ctx.store.ping().then(
      () => 'ok' as const,
      () => 'error' as const,
    );
    const storage = await ctx.storage.check().then(
      () => 'ok' as const,
      () => 'error' as const,
    );
    const ok = database === 'ok' && storage === 'ok';
    res.set('Cache-Control', 'no-store');
    res
      .status(ok ? 200 : 503)
      .json(
        HealthResponseSchema.parse({ status: ok ? 'ok' : 'degraded', version, database, storage }),
      );
  });

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(ctx.openapi());
  });
}
