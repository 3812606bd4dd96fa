/**
 * Gallery sessions: a signed cookie `v1.<payload>.<hmac>` whose payload names a stored session
 * row (`sessions`, see data/migration-sessions.ts), the credential it stands for (a service
 * token's id or a JWT user's sub), an expiry and a per-session CSRF token. The token itself
 * never reaches the browser; every request re-reads the session row and the token row, so
 * signing out or revoking the token ends the session at once, even for a copied cookie.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { Request } from 'express';
import { randomBase62 } from '../ids.js';

export const SESSION_COOKIE = 'snapshotplot_session';
/** How long a session lasts after sign-in. */
export const SESSION_TTL_SECONDS = 12 * 3600;

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

const mac = (secret: Buffer, purpose: string, data: string) =>
  createHmac('sha256', secret).update(`${purpose}.${data}`).digest();

/** `<base64url json>.<base64url hmac>` over a purpose, so a cookie is never a valid link. */
export function signValue(secret: Buffer, purpose: string, value: object): string {
  const data = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${data}.${mac(secret, purpose, data).toString('base64url')}`;
}

/** The JSON value when the signature is valid, else null. */
export function readSigned<T>(secret: Buffer, purpose: string, text: string): T | null {
  const [data, sig, extra] = text.split('.');
  if (!data || !sig || extra !== undefined || data.length > 2000) return null;
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, purpose, data);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

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
