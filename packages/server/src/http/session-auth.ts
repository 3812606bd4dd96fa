/**
 * The gallery's session cookie as a credential of the API: reads (GET/HEAD, the event stream
 * included) accept it in place of a bearer header (auth-helpers.ts). Every request re-reads
 * the stored session row (signed out, expired) and the credential it stands for (a revoked
 * or expired token, or a removed member, loses access at once). The gallery issues and ends
 * sessions (gallery/session.ts, gallery/routes-session.ts); this file only reads them.
 */
import { parse } from 'cookie';
import type { Request } from 'express';
import type { Principal } from '../auth/principal.js';
import type { Role, Store } from '../data/store.js';
import type { AppContext } from './context.js';
import { readSigned } from './signed-value.js';

export const SESSION_COOKIE = 'snapshotplot_session';
export interface SessionPayload {
  /** id of the stored session row (`ses_…`) */
  s: string;
  /** what the session stands for */
  k: 'token' | 'user';
  /** token id (`tok_…`) or user id (JWT sub) */
  id: string;
  /** expiry, unix seconds */
  e: number;
  /** CSRF token for the session's POST forms */
  c: string;
}

/** The valid, unexpired session of the request, or null. */
export function readSession(secret: Buffer, req: Request, nowSeconds: number) {
  const header = req.headers.cookie;
  if (!header) return null;
  const raw = parse(header)[SESSION_COOKIE];
  if (!raw?.startsWith('v1.')) return null;
  const p = readSigned<SessionPayload>(secret, 'session', raw.slice(3));
  if (!p || (p.k !== 'token' && p.k !== 'user') || typeof p.id !== 'string') return null;
  // A cookie without a session id predates stored sessions and cannot be signed out: refuse it.
  if (typeof p.s !== 'string') return null;
  if (typeof p.e !== 'number' || p.e <= nowSeconds || typeof p.c !== 'string') return null;
  return p;
}

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
