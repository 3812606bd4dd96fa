/**
 * Tokenless CI publishing: OIDC ID tokens from configured issuers (GitHub Actions, GitLab CI),
 * verified with jose against each issuer's JWKS (found by OpenID discovery, cached by jose,
 * refetched on an unknown `kid`), with `aud` required to be this server. The verified claims
 * are reduced to one workload identity (repository, ref, environment, workflow) that trust
 * policies match; see trust.ts.
 */
import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';

/** What a trust policy can match, the same for every CI provider. */
export interface WorkloadIdentity {
  issuer: string;
  /** `org/name` (GitHub `repository`, GitLab `project_path`), as the token spells it. */
  repository: string;
  /** `refs/heads/main`, `refs/tags/v1`, `refs/pull/7/merge`; null when the token has none. */
  ref: string | null;
  environment: string | null;
  /** The workflow file: `.github/workflows/plots.yml` (GitHub), `.gitlab-ci.yml` (GitLab). */
  workflow: string | null;
  sha: string | null;
  event: string | null;
}

export type OidcResult =
  | { ok: true; identity: WorkloadIdentity; exp: number }
  | { ok: false; status: 401 | 503; expired: boolean; message: string };

export interface OidcVerifier {
  /** The configured issuer an (unverified) `iss` names, or undefined when it is none of them. */
  trusted(iss: string): string | undefined;
  /** Verifies a token whose `iss` named `issuer` (from trusted()). */
  verify(token: string, issuer: string): Promise<OidcResult>;
}

/** A verifier for the configured issuers; null when none is configured. */
export function createOidcVerifier(o: {
  issuers: readonly string[];
  /** The required `aud`: --oidc-audience, else this server's public URL (known once bound). */
  audience: () => string;
  /** Longest accepted lifetime in seconds; CI tokens live minutes. */
  maxLifetime?: number;
  now?: () => Date;
}): OidcVerifier | null {
  if (o.issuers.length === 0) return null;
  const issuers = new Map(o.issuers.map((i) => [i.replace(/\/+$/, ''), i] as const));
  const keys = new Map<string, Promise<ReturnType<typeof createRemoteJWKSet>>>();
  const now = o.now ?? (() => new Date());
  const maxLifetime = o.maxLifetime ?? 3600;

  /** The issuer's key set, from its discovery document (retried after a failure). */
  const keySet = (issuer: string) => {
    let p = keys.get(issuer);
    if (!p) {
      p = discover(issuer).then((jwksUri) => createRemoteJWKSet(new URL(jwksUri)));
      p.catch(() => keys.delete(issuer));
      keys.set(issuer, p);
    }
    return p;
  };
  const fail = (message: string): OidcResult => ({
    ok: false,
    status: 401,
    expired: false,
    message,
  });

  return {
    trusted: (iss) => issuers.get(iss.replace(/\/+$/, '')),
    async verify(token, issuer) {
      let jwks: ReturnType<typeof createRemoteJWKSet>;
      try {
        jwks = await keySet(issuer);
      } catch (error) {
        return {
          ok: false,
          status: 503,
          expired: false,
          message: `Cannot fetch the signing keys of ${issuer} (${(error as Error).message}): try again shortly; the server's operator should check its network access to the issuer.`,
        };
      }
      const at = now();
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer,
          audience: o.audience(),
          requiredClaims: ['exp'],
          currentDate: at,
        });
        const nowS = Math.floor(at.getTime() / 1000);
        const from = Math.min(payload.iat ?? nowS, nowS);
        if (payload.exp! - from > maxLifetime) {
          return fail(
            `The ID token lives ${payload.exp! - from} s, more than this server accepts for CI tokens (${maxLifetime} s).`,
          );
        }
        const identity = identityOf(issuer, payload);
        if (!identity) {
          return fail(
            'The ID token names no repository (GitHub\'s "repository" or GitLab\'s "project_path" claim): use the ID token of a CI job.',
          );
        }
        return { ok: true, identity, exp: payload.exp! };
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          return {
            ok: false,
            status: 401,
            expired: true,
            message:
              'The ID token has expired: CI ID tokens live minutes; request one right before publishing.',
          };
        }
        if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
          return fail(
            `The ID token's audience ("aud") is not ${o.audience()}: request it for this server (the action's oidc-audience input, the CLI's --oidc-audience), or set the server's --oidc-audience.`,
          );
        }
        if (error instanceof errors.JWTClaimValidationFailed) {
          return fail(`The ID token's "${error.claim}" claim is not valid (${error.reason}).`);
        }
        if (error instanceof errors.JWKSNoMatchingKey) {
          return fail(
            `The ID token is signed with a key ${issuer} does not publish (unknown "kid"): it was not issued by ${issuer}.`,
          );
        }
        return fail(`The ID token's signature does not verify with the keys of ${issuer}.`);
      }
    },
  };
}

/** The `iss` of a JWT without verifying it (to route it to the right verifier), or null. */
export function unverifiedIssuer(token: string): string | null {
  if (token.split('.').length !== 3) return null;
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}

/** `jwks_uri` from the issuer's OpenID discovery document. */
async function discover(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const doc = (await res.json()) as { jwks_uri?: unknown };
  if (typeof doc.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
  return doc.jwks_uri;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** GitHub Actions and GitLab CI claims as one identity; null when neither shape fits. */
export function identityOf(issuer: string, c: JWTPayload): WorkloadIdentity | null {
  const github = str(c.repository);
  if (github) {
    // workflow_ref: "octo-org/octo-repo/.github/workflows/plots.yml@refs/heads/main"
    const wf = str(c.workflow_ref);
    const workflow = wf?.startsWith(`${github}/`)
      ? wf.slice(github.length + 1).split('@')[0]!
      : null;
    return {
      issuer,
      repository: github,
      ref: str(c.ref),
      environment: str(c.environment),
      workflow,
      sha: str(c.sha),
      event: str(c.event_name),
    };
  }
  const gitlab = str(c.project_path);
  if (gitlab) {
    const ref = str(c.ref);
    const kind = c.ref_type === 'tag' ? 'tags' : 'heads';
    // ci_config_ref_uri: "gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"
    const uri = str(c.ci_config_ref_uri);
    const workflow = uri?.includes('//') ? uri.split('//')[1]!.split('@')[0]! : null;
    return {
      issuer,
      repository: gitlab,
      ref: ref ? (ref.startsWith('refs/') ? ref : `refs/${kind}/${ref}`) : null,
      environment: str(c.environment),
      workflow,
      sha: str(c.sha),
      event: str(c.pipeline_source),
    };
  }
  return null;
}
