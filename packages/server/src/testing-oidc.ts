/**
 * A local OIDC issuer for tests: OpenID discovery and a JWKS on 127.0.0.1, GitHub-shaped ID
 * tokens signed with its key (or with an unknown or forged key, for the refusal cases), and the
 * endpoint a GitHub runner exposes as ACTIONS_ID_TOKEN_REQUEST_URL, so the action's
 * `core.getIDToken()` and the CLI's `--oidc` can be run end to end without GitHub.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface MintOptions {
  audience?: string | string[];
  /** Seconds from now; negative for an expired token. Default 300 (GitHub: about 5 min). */
  expiresIn?: number;
  issuer?: string;
  /** 'unknown': a key the JWKS does not publish; 'forged': another key under the published kid. */
  key?: 'issuer' | 'unknown' | 'forged';
}

export interface TestIssuer {
  /** The issuer URL (`iss`), e.g. http://127.0.0.1:PORT */
  url: string;
  /** For ACTIONS_ID_TOKEN_REQUEST_URL; answers `{ value }` for `&audience=…`. */
  requestUrl: string;
  /** For ACTIONS_ID_TOKEN_REQUEST_TOKEN (checked as the bearer of the request). */
  requestToken: string;
  /** Claims of the token the request endpoint mints (GitHub-shaped; change per test). */
  runnerClaims: Record<string, unknown>;
  mint(claims: Record<string, unknown>, o?: MintOptions): Promise<string>;
  /** How many times the JWKS was fetched (caching). */
  jwksFetches(): number;
  close(): Promise<void>;
}

/** GitHub Actions ID token claims for a push to `ref` of `repository`. */
export function githubClaims(
  over: Partial<Record<string, unknown>> & { repository?: string; ref?: string } = {},
): Record<string, unknown> {
  const repository = over.repository ?? 'octo-org/plots';
  const ref = over.ref ?? 'refs/heads/main';
  const workflow = `${repository}/.github/workflows/plots.yml@${ref}`;
  return {
    sub: `repo:${repository}:ref:${ref}`,
    repository,
    repository_owner: repository.split('/')[0],
    repository_id: '42',
    ref,
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    workflow: 'plots',
    workflow_ref: workflow,
    job_workflow_ref: workflow,
    event_name: 'push',
    actor: 'octocat',
    run_id: '1234',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    ...over,
  };
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const kid = 'test-key-1';
  const main = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(main.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const requestToken = 'runner-request-token';
  let fetches = 0;
  let url = '';

  const mint = async (claims: Record<string, unknown>, o: MintOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const key = o.key === 'unknown' || o.key === 'forged' ? other.privateKey : main.privateKey;
    return new SignJWT(claims as JWTPayload)
      .setProtectedHeader({ alg: 'RS256', kid: o.key === 'unknown' ? 'not-published' : kid })
      .setIssuer(o.issuer ?? url)
      .setAudience(o.audience ?? 'snapshotplot')
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + (o.expiresIn ?? 300))
      .setJti(Math.random().toString(36).slice(2))
      .sign(key);
  };

  const issuer: TestIssuer = {
    url: '',
    requestUrl: '',
    requestToken,
    runnerClaims: githubClaims(),
    mint,
    jwksFetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (u.pathname === '/.well-known/openid-configuration') {
      return json(200, { issuer: url, jwks_uri: `${url}/.well-known/jwks` });
    }
    if (u.pathname === '/.well-known/jwks') {
      fetches++;
      return json(200, { keys: [jwk] });
    }
    if (u.pathname === '/actions-token') {
      if (req.headers.authorization !== `Bearer ${requestToken}`)
        return json(401, { message: 'bad request token' });
      const audience = u.searchParams.get('audience') ?? 'https://github.com/octo-org';
      void mint(issuer.runnerClaims, { audience }).then((value) => json(200, { value }));
      return;
    }
    json(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.url = url;
  issuer.requestUrl = `${url}/actions-token?api-version=2.0`;
  return issuer;
}
