/**
 * Gallery sessions: a signed cookie `v1.<payload>.<hmac>` whose payload names a stored session
 * row (`sessions`, see data/migration-sessions.ts), the credential it stands for (a service
 * token's id or a JWT user's sub), an expiry and a per-session CSRF token. The token itself
 * never reaches the browser; every request re-reads the session row and the token row, so
 * signing out or revoking the token ends the session at once, even for a copied cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { serialize } from 'cookie';
import type { Request } from 'express';
import { SESSION_COOKIE, type SessionPayload } from '../http/session-auth.js';
import { signValue } from '../http/signed-value.js';
import { randomBase62 } from '../ids.js';

// Reading a session is the API's too (http/session-auth.ts); the gallery issues them.
export { readSession, SESSION_COOKIE, type SessionPayload } from '../http/session-auth.js';
export { readSigned, signValue } from '../http/signed-value.js';

/** How long a session lasts after sign-in. */
export const SESSION_TTL_SECONDS = 12 * 3600;

/** A new session payload for a credential; `maxExpiry` caps it (a JWT's own exp). */
export function newSession(
  kind: SessionPayload['k'],
  id: string,
  nowSeconds: number,
  maxExpiry?: number,
): SessionPayload {
  const e = Math.min(nowSeconds + SESSION_TTL_SECONDS, maxExpiry ?? Number.POSITIVE_INFINITY);
  return { s: `ses_${randomBase62(32)}`, k: kind, id, e, c: randomBytes(18).toString('base64url') };
}

/** Whether cookies should carry Secure: the request came over https (directly or per the public URL). */
export const isHttps = (req: Request, publicUrl: string) =>
  req.secure || publicUrl.startsWith('https:');

/** Set-Cookie value for a session (httpOnly, SameSite=Lax, Secure on https, Max-Age to its expiry). */
export function sessionCookie(
  secret: Buffer,
  p: SessionPayload,
  o: { secure: boolean; nowSeconds: number },
): string {
  return serialize(SESSION_COOKIE, `v1.${signValue(secret, 'session', p)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: o.secure,
    path: '/',
    maxAge: Math.max(0, p.e - o.nowSeconds),
  });
}

/** Set-Cookie value that deletes the session cookie. */
export const clearSessionCookie = (secure: boolean) =>
  serialize(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: 0,
  });

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: SessionPayload, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(session.c);
  return a.length === b.length && timingSafeEqual(a, b);
}
