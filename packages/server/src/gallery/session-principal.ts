/**
 * Turns a session cookie back into a principal, re-checking on every request the stored
 * session (signed out, expired) and the credential it references (a revoked or expired token,
 * or a removed member, loses access at once).
 */
import type { Request } from 'express';
import type { Principal } from '../auth/principal.js';
import { verifyServiceToken } from '../auth/service-tokens.js';
import type { Role, Store } from '../data/store.js';
import type { AppContext } from '../http/context.js';
import { readSession, type SessionPayload } from './session.js';

/** The principal a service token row stands for, or null when revoked/expired/unknown. */
async function tokenPrincipal(store: Store, id: string, now: Date): Promise<Principal | null> {
  const row = await store.getToken(id);
  if (!row || row.revoked_at) return null;
  if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) return null;
  return {
    kind: 'token',
    id: row.id,
    key: `token:${row.id}`,
    grants: new Map<string, Role>([[row.project_id, row.role]]),
  };
}

/** The principal a credential stands for now (null when it no longer holds). */
export async function credentialPrincipal(
  store: Store,
  kind: SessionPayload['k'],
  id: string,
  now: Date,
): Promise<Principal | null> {
  if (kind === 'token') return tokenPrincipal(store, id, now);
  const grants = new Map(
    (await store.memberGrants(id)).map((g) => [g.project_id, g.role] as const),
  );
  return { kind: 'user', id, key: `user:${id}`, grants };
}

/** The principal of a session payload (null when the session or its credential no longer holds). */
export async function principalOfSession(
  store: Store,
  s: SessionPayload,
  now: Date,
): Promise<Principal | null> {
  const row = await store.getSession(s.s);
  if (!row || row.revoked_at || Date.parse(row.expires_at) <= now.getTime()) return null;
  // The row, not only the signature, decides what the session stands for.
  if (row.kind !== s.k || row.credential !== s.id) return null;
  return credentialPrincipal(store, s.k, s.id, now);
}

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

/** Session and principal of a gallery request, or null when not (or no longer) signed in. */
export async function sessionOf(
  ctx: AppContext,
  req: Request,
): Promise<{ session: SessionPayload; principal: Principal } | null> {
  const now = ctx.now();
  const session = readSession(ctx.secret, req, Math.floor(now.getTime() / 1000));
  if (!session) return null;
  const principal = await principalOfSession(ctx.store, session, now);
  return principal ? { session, principal } : null;
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
