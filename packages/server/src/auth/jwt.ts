/**
 * Optional user JWTs (Supabase-compatible): HS256 shared secret or a JWKS URL, via jose.
 * A JWT must carry `exp` (a token without one would be a password that never expires), come
 * from the configured issuer when one is set, and live no longer than the configured maximum.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';

export type JwtResult =
  | { ok: true; sub: string; exp: number }
  | { ok: false; expired: boolean; message: string };

export interface JwtVerifier {
  verify(token: string): Promise<JwtResult>;
}

/** A verifier for the configured secret or JWKS URL; null when neither is set. */
export function createJwtVerifier(o: {
  secret?: string;
  jwksUrl?: string;
  audience?: string;
  issuer?: string;
  /** Longest accepted lifetime in seconds (exp - iat, or exp - now when iat is later or absent). */
  maxLifetime?: number;
  now?: () => Date;
}): JwtVerifier | null {
  let key: Uint8Array | JWTVerifyGetKey;
  if (o.jwksUrl) key = createRemoteJWKSet(new URL(o.jwksUrl));
  else if (o.secret) key = new TextEncoder().encode(o.secret);
  else return null;
  const algorithms = o.jwksUrl ? undefined : ['HS256'];
  const maxLifetime = o.maxLifetime ?? 86400;
  const now = o.now ?? (() => new Date());
  const fail = (message: string): JwtResult => ({ ok: false, expired: false, message });
  return {
    async verify(token) {
      const at = now();
      try {
        const { payload } = await jwtVerify(token, key as Uint8Array, {
          ...(algorithms ? { algorithms } : {}),
          ...(o.audience ? { audience: o.audience } : {}),
          ...(o.issuer ? { issuer: o.issuer } : {}),
          requiredClaims: ['exp'],
          currentDate: at,
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') {
          return fail('The JWT has no "sub" claim naming the user.');
        }
        const exp = payload.exp!;
        // An iat in the future must not stretch the window: count from now when earlier.
        const nowS = Math.floor(at.getTime() / 1000);
        const from = Math.min(payload.iat ?? nowS, nowS);
        if (exp - from > maxLifetime) {
          return fail(
            `The JWT lives ${exp - from} s ("exp" - "iat"), more than this server accepts (${maxLifetime} s): issue shorter-lived tokens, or raise --jwt-max-lifetime.`,
          );
        }
        return { ok: true, sub: payload.sub, exp };
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          return { ok: false, expired: true, message: 'The JWT has expired: sign in again.' };
        }
        if (error instanceof errors.JWTClaimValidationFailed) return fail(claimMessage(error, o));
        return fail('The JWT is not valid for this server: check its signature and issuer.');
      }
    },
  };
}

/** A message naming the failed claim and what to change. */
function claimMessage(
  e: InstanceType<typeof errors.JWTClaimValidationFailed>,
  o: {
    issuer?: string;
    audience?: string;
  },
): string {
  if (e.claim === 'exp') {
    return 'The JWT has no valid "exp" claim: this server only accepts JWTs that expire; configure your identity provider to set one.';
  }
  if (e.claim === 'iss') {
    return `The JWT's "iss" claim is not ${o.issuer}: use a token from that issuer, or change --jwt-issuer.`;
  }
  if (e.claim === 'aud') {
    return `The JWT's "aud" claim does not include ${o.audience}: use a token issued for this server.`;
  }
  return `The JWT's "${e.claim}" claim is not valid (${e.reason}): check the token's claims.`;
}
