/**
 * One-click sign-in links: `/signin/link?l=<signed payload>` naming a token id, a 10-minute
 * expiry and a nonce. Signed with the server secret (purpose "login", so no other signed value
 * can pass as one) and single use: the nonce is recorded in the consumed-nonce table upload
 * URLs already use, and the sweep forgets it once expired.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../data/store.js';
import { readSigned, signValue } from './session.js';

export const LOGIN_LINK_TTL_SECONDS = 600;

interface LinkPayload {
  /** token id */
  t: string;
  /** expiry, unix seconds */
  e: number;
  /** nonce */
  n: string;
}

/** A signed sign-in link for a token id, valid for `ttlSeconds`. */
export function mintLoginLink(
  secret: Buffer,
  o: { baseUrl: string; tokenId: string; nowSeconds: number; ttlSeconds?: number },
): { url: string; expiresAt: string } {
  const e = o.nowSeconds + (o.ttlSeconds ?? LOGIN_LINK_TTL_SECONDS);
  const value = signValue(secret, 'login', {
    t: o.tokenId,
    e,
    n: randomBytes(16).toString('base64url'),
  });
  return {
    url: `${o.baseUrl.replace(/\/+$/, '')}/signin/link?l=${value}`,
    expiresAt: new Date(e * 1000).toISOString(),
  };
}

export type LinkCheck = { ok: true; tokenId: string } | { ok: false; message: string };

/** Verifies and consumes a link value (a second use is refused). */
export async function redeemLoginLink(
  secret: Buffer,
  store: Store,
  value: unknown,
  now: Date,
): Promise<LinkCheck> {
  const p = typeof value === 'string' ? readSigned<LinkPayload>(secret, 'login', value) : null;
  if (!p || typeof p.t !== 'string' || typeof p.e !== 'number' || typeof p.n !== 'string') {
    return {
      ok: false,
      message: 'This sign-in link is not valid: copy the whole link, or paste a token below.',
    };
  }
  if (p.e * 1000 <= now.getTime()) {
    return {
      ok: false,
      message:
        'This sign-in link has expired (they last 10 minutes): ask for a new one, or paste a token below.',
    };
  }
  const fresh = await store.consumeNonce(
    `login.${p.n}`,
    `login:${p.t}`,
    'login',
    new Date(p.e * 1000).toISOString(),
    now.toISOString(),
  );
  if (!fresh) {
    return {
      ok: false,
      message:
        'This sign-in link was already used (each works once): ask for a new one, or paste a token below.',
    };
  }
  return { ok: true, tokenId: p.t };
}
