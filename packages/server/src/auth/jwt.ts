/** Optional user JWTs (Supabase-compatible): HS256 shared secret or a JWKS URL, via jose. */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';

export type JwtResult =
  | { ok: true; sub: string }
  | { ok: false; expired: boolean; message: string };

export interface JwtVerifier {
  verify(token: string): Promise<JwtResult>;
}

/** A verifier for the configured secret or JWKS URL; null when neither is set. */
export function createJwtVerifier(o: {
  secret?: string;
  jwksUrl?: string;
  audience?: string;
}): JwtVerifier | null {
  let key: Uint8Array | JWTVerifyGetKey;
  if (o.jwksUrl) key = createRemoteJWKSet(new URL(o.jwksUrl));
  else if (o.secret) key = new TextEncoder().encode(o.secret);
  else return null;
  const algorithms = o.jwksUrl ? undefined : ['HS256'];
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key as Uint8Array, {
          ...(algorithms ? { algorithms } : {}),
          ...(o.audience ? { audience: o.audience } : {}),
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') {
          return {
            ok: false,
            expired: false,
            message: 'The JWT has no "sub" claim naming the user.',
          };
        }
        return { ok: true, sub: payload.sub };
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          return { ok: false, expired: true, message: 'The JWT has expired: sign in again.' };
        }
        return {
          ok: false,
          expired: false,
          message: 'The JWT is not valid for this server: check its signature and issuer.',
        };
      }
    },
  };
}
