/** Who is calling and what they may do: resolved from a bearer token, checked per project. */
import { ROLES } from '@snapshotplot/api-client/contract';
import type { Request } from 'express';
import type { Role, Store } from '../data/store.js';
import { forbidden, HttpError, unauthorized } from '../errors.js';
import type { JwtVerifier } from './jwt.js';
import { type OidcVerifier, unverifiedIssuer } from './oidc.js';
import { isServiceToken, verifyServiceToken } from './service-tokens.js';
import { grantsOf, untrustedMessage } from './trust.js';

export interface Principal {
  /** A service token, a user JWT, or a CI job's OIDC ID token matched by trust policies. */
  kind: 'token' | 'user' | 'oidc';
  /** token id, user id (JWT `sub`) or `org/repo@ref`; what logs show, never the secret. */
  id: string;
  /** Namespaces idempotency keys: `token:tok_…`, `user:…` or `oidc:<issuer>:<repo>`. */
  key: string;
  grants: Map<string, Role>;
  /** The 403 sentence when a project is not granted (default: "use a token created for it"). */
  denied?: (projectId: string) => string;
}

/** The bearer value of the Authorization header, or null when absent. */
export function bearerOf(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer[ ]+([\x21-\x7e]+)\s*$/i.exec(header);
  if (!match) {
    throw unauthorized(
      'invalid_token',
      'The Authorization header must be "Bearer <token>".',
      'invalid_request',
    );
  }
  return match[1]!;
}

/** Resolves the bearer token to a principal; 401 (with WWW-Authenticate) when it is missing or bad. */
export async function authenticate(
  req: Request,
  o: {
    store: Store;
    jwt: JwtVerifier | null;
    oidc?: OidcVerifier | null;
    now: Date;
    /** Ask the database, not the verified-token cache (a stream re-checking its credential). */
    fresh?: boolean;
  },
): Promise<Principal> {
  const token = bearerOf(req);
  if (!token) {
    throw unauthorized(
      'unauthorized',
      'Authentication required: send "Authorization: Bearer <token>" (create one with `snapshotplot-server token create`).',
    );
  }
  if (isServiceToken(token)) {
    const check = await verifyServiceToken(o.store, token, o.now, { fresh: o.fresh });
    if (!check.ok) {
      const messages = {
        unknown:
          'This server does not know the token: check that it is complete and for this server, or create one with `snapshotplot-server token create`.',
        revoked: 'The token was revoked: create a new one with `snapshotplot-server token create`.',
        expired: 'The token has expired: create a new one with `snapshotplot-server token create`.',
      };
      throw unauthorized(
        check.reason === 'expired' ? 'token_expired' : 'invalid_token',
        messages[check.reason],
        'invalid_token',
      );
    }
    if (check.touch) void o.store.touchToken(check.id, o.now.toISOString()).catch(() => {});
    return {
      kind: 'token',
      id: check.id,
      key: `token:${check.id}`,
      grants: new Map([[check.projectId, check.role]]),
    };
  }
  // A JWT's unverified `iss` routes it: a CI ID token from a configured issuer, else a user JWT.
  const iss = o.oidc && token.split('.').length === 3 ? unverifiedIssuer(token) : null;
  const issuer = iss ? o.oidc?.trusted(iss) : undefined;
  if (o.oidc && issuer) return oidcPrincipal(o.oidc, o.store, token, issuer);
  if (o.oidc && !o.jwt && token.split('.').length === 3) {
    throw unauthorized(
      'invalid_token',
      iss
        ? `The ID token comes from ${iss}, an issuer this server does not trust: start the server with --oidc-issuer ${iss} to accept it.`
        : 'The token is not valid: send a service token ("spt_…") or a CI ID token.',
      'invalid_token',
    );
  }
  if (o.jwt && token.split('.').length === 3) {
    const result = await o.jwt.verify(token);
    if (!result.ok) {
      throw unauthorized(
        result.expired ? 'token_expired' : 'invalid_token',
        result.message,
        'invalid_token',
      );
    }
    const grants = new Map(
      (await o.store.memberGrants(result.sub)).map((g) => [g.project_id, g.role] as const),
    );
    return { kind: 'user', id: result.sub, key: `user:${result.sub}`, grants };
  }
  throw unauthorized(
    'invalid_token',
    'The token is not valid: service tokens start with "spt_".',
    'invalid_token',
  );
}

/** A CI job's ID token: verified, then granted what the matching trust policies say. */
async function oidcPrincipal(
  oidc: OidcVerifier,
  store: Store,
  token: string,
  issuer: string,
): Promise<Principal> {
  const result = await oidc.verify(token, issuer);
  if (!result.ok) {
    if (result.status === 503)
      throw new HttpError(503, 'identity_provider_unavailable', result.message, undefined, {
        'Retry-After': '5',
      });
    throw unauthorized(
      result.expired ? 'token_expired' : 'invalid_token',
      result.message,
      'invalid_token',
    );
  }
  const id = result.identity;
  const policies = await store.trustPoliciesFor(id.issuer, id.repository.toLowerCase());
  const grants = grantsOf(policies, id);
  if (grants.size === 0) throw forbidden(untrustedMessage(id), 'untrusted_identity');
  return {
    kind: 'oidc',
    id: `${id.repository}@${id.ref ?? '-'}`,
    key: `oidc:${id.issuer}:${id.repository.toLowerCase()}`,
    grants,
    denied: (projectId) => untrustedMessage(id, projectId),
  };
}

/** Throws 403 unless the principal holds at least `role` on the project. */
export function requireRole(p: Principal, projectId: string, role: Role): void {
  const held = p.grants.get(projectId);
  if (!held) {
    throw forbidden(
      p.denied?.(projectId) ??
        `This credential has no access to project ${projectId}: use a token created for it.`,
      p.denied ? 'untrusted_identity' : 'forbidden',
    );
  }
  // ROLES is ordered from least to most (reader, publisher, admin).
  if (ROLES.indexOf(held) < ROLES.indexOf(role)) {
    throw forbidden(
      `This credential is a ${held} on project ${projectId}; this needs ${role} or above.`,
    );
  }
}

/** Whether the principal can read the project (for 404-not-403 on snapshot ids). */
export const canRead = (p: Principal, projectId: string) => p.grants.has(projectId);
