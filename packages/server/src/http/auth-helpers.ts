/** Per-request authentication glue: resolves the principal once and records it for the logs. */
import type { Request, Response } from 'express';
import { authenticate, type Principal } from '../auth/principal.js';
import type { AppContext } from './context.js';

/** The caller's principal (401 when missing or invalid); cached on res.locals. */
export async function principalOf(
  ctx: AppContext,
  req: Request,
  res: Response,
): Promise<Principal> {
  if (res.locals.principal) return res.locals.principal as Principal;
  const p = await authenticate(req, { store: ctx.store, jwt: ctx.jwt, now: ctx.now() });
  res.locals.principal = p;
  ctx.rateLimiter?.take(p.key, ctx.now().getTime());
  return p;
}
