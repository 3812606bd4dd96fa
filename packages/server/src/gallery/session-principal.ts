/**
 * Starting a gallery session: the pasted credential is checked once (a service token or a
 * user JWT) and a session row stored before its cookie is sent. Reading a session back into
 * a principal is http/session-auth.ts (the API accepts the cookie on reads too).
 */
import { verifyServiceToken } from '../auth/service-tokens.js';
import type { Store } from '../data/store.js';
import type { AppContext } from '../http/context.js';
import type { SessionPayload } from './session.js';

/** Stores a new session (before its cookie is sent: a cookie must always name a row). */
export async function storeSession(store: Store, s: SessionPayload, now: Date): Promise<void> {
  await store.insertSession({
    id: s.s,
    kind: s.k,
    credential: s.id,
    created_at: now.toISOString(),
    expires_at: new Date(s.e * 1000).toISOString(),
    revoked_at: null,
  });
}

/** Checks a pasted credential: a service token or (when configured) a user JWT. */
export async function verifyPasted(
  ctx: AppContext,
  value: string,
): Promise<
  { ok: true; kind: 'token' | 'user'; id: string; exp?: number } | { ok: false; message: string }
> {
  const token = value.trim();
  if (token.startsWith('spt_')) {
    const check = await verifyServiceToken(ctx.store, token, ctx.now());
    if (check.ok) return { ok: true, kind: 'token', id: check.id };
    const why = {
      unknown: 'This token is not valid: check that you copied all of it.',
      revoked: 'This token was revoked: ask an admin for a new one.',
      expired: 'This token has expired: ask an admin for a new one.',
    };
    return { ok: false, message: why[check.reason] };
  }
  if (ctx.jwt && token.split('.').length === 3) {
    const r = await ctx.jwt.verify(token);
    if (!r.ok) return { ok: false, message: r.message };
    // The session must not outlive the JWT.
    return { ok: true, kind: 'user', id: r.sub, exp: r.exp };
  }
  return {
    ok: false,
    message: ctx.jwt
      ? 'Paste a service token (spt_…) or a JWT from your identity provider.'
      : 'Paste a service token: it starts with "spt_" (`snapshotplot-server token create --role reader`).',
  };
}
