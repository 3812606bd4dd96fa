/** Per-request authentication glue: resolves the principal once and records it for the logs. */
import type { Request, Response } from 'express';
import { authenticate, type Principal } from '../auth/principal.js';
import type { AppContext } from './context.js';
import { sessionOf } from './session-auth.js';

const READS = new Set(['GET', 'HEAD']);

/**
 * The caller's principal (401 when missing or invalid); cached on res.locals. A bearer
 * header always wins; without one, reads (GET/HEAD, which includes the SSE stream) also
 * accept the gallery's session cookie. Writes never do, so a cookie cannot be used for CSRF.
 */
export async function principalOf(
  ctx: AppContext,
  req: Request,
  res: Response,
): Promise<Principal> {
  if (res.locals.principal) return res.locals.principal as Principal;
  const fromSession =
    !req.headers.authorization && READS.has(req.method) ? await sessionOf(ctx, req) : null;
  const p =
    fromSession?.principal ??
    (await authenticate(req, { store: ctx.store, jwt: ctx.jwt, oidc: ctx.oidc, now: ctx.now() }));
  res.locals.principal = p;
  // From here on this request's queries see only the principal's projects (PostgreSQL RLS).
  ctx.store.scope.restrict([...p.grants.keys()]);
  ctx.rateLimiter?.take(p.key, ctx.now().getTime());
  return p;
}

/**
 * The request's credential resolved again, now (for long-lived responses such as the event
 * stream): the same header or cookie, the same checks, no caching, no rate limit. Null when
 * it no longer holds (revoked, expired, signed out) or cannot be checked: fail closed, the
 * client reconnects and authenticates afresh.
 */
export async function recheckPrincipal(ctx: AppContext, req: Request): Promise<Principal | null> {
  try {
    if (!req.headers.authorization && READS.has(req.method)) {
      return (await sessionOf(ctx, req))?.principal ?? null;
    }
    return await authenticate(req, {
      store: ctx.store,
      jwt: ctx.jwt,
      oidc: ctx.oidc,
      now: ctx.now(),
      fresh: true,
    });
  } catch {
    return null;
  }
}
