// Tokenless publishing: CI ID tokens from a local issuer (GitHub-shaped claims) are verified
// against its JWKS and mapped to projects by trust policies; every bad token is a clear 401,
// an untrusted one a 403 naming its claims and the command that would let it in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerCli } from '../src/testing.js';
import { githubClaims, startTestIssuer, type TestIssuer } from '../src/testing-oidc.js';
import { errorOf, type Harness, PNG, sha256, startHarness, upload } from './helpers.js';

const AUDIENCE = 'https://plots.example.test';
let issuer: TestIssuer;
let h: Harness;
let other: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  h = await startHarness({ config: { oidcIssuer: issuer.url, oidcAudience: AUDIENCE } });
  other = await h.project('proj_other');
});
afterAll(async () => {
  await h?.close();
  await issuer?.close();
});

const trust = (...args: string[]) =>
  runServerCli(['trust', ...args, '--data-dir', h.dataDir, '--json']).then(
    (out) => JSON.parse(out) as { id: string },
  );
const token = (claims = githubClaims(), o: Parameters<TestIssuer['mint']>[1] = {}) =>
  issuer.mint(claims, { audience: AUDIENCE, ...o });
const publishWith = (bearer: string, projectId = h.projectId, title = 'Loss') =>
  h.api('POST', '/api/snapshots/publish', {
    token: bearer,
    json: {
      project_id: projectId,
      title,
      artifacts: { plot: true, code: false },
      checksums: { plot: sha256(PNG) },
    },
  });

describe('OIDC ID tokens and trust policies', () => {
  it('refuses a valid token that no policy matches: 403 naming its claims and the trust add command', async () => {
    const res = await publishWith(await token());
    expect(res.status).toBe(403);
    const err = await errorOf(res);
    expect(err.code).toBe('untrusted_identity');
    expect(err.message).toContain('repository octo-org/plots, ref refs/heads/main');
    expect(err.message).toContain('workflow .github/workflows/plots.yml');
    expect(err.message).toContain(
      `snapshotplot-server trust add --project <project-id> --issuer ${issuer.url} --repository octo-org/plots --ref refs/heads/main --role publisher`,
    );
  });

  it('publishes, uploads and finalizes with a token a policy trusts, without any secret', async () => {
    const policy = await trust(
      'add',
      '--project',
      h.projectId,
      '--issuer',
      issuer.url,
      '--repository',
      'Octo-Org/Plots',
      '--ref',
      'refs/heads/main',
    );
    expect(policy.id).toMatch(/^trust_/);
    const bearer = await token();
    const pub = await publishWith(bearer);
    expect(pub.status).toBe(201);
    const body = (await pub.json()) as { snapshot_id: string; upload_urls: { plot: string } };
    expect((await upload(body.upload_urls.plot, PNG, 'image/png')).status).toBe(200);
    const fin = await h.api('POST', '/api/snapshots/finalize', {
      token: bearer,
      json: { project_id: h.projectId, snapshot_id: body.snapshot_id },
    });
    expect(fin.status).toBe(200);
    // The same token on another project: 403 naming that project.
    const elsewhere = await publishWith(bearer, other);
    expect(elsewhere.status).toBe(403);
    const denied = await errorOf(elsewhere);
    expect(denied.message).toContain(`No trust policy for project ${other}`);
    expect(denied.message).toContain(`trust add --project ${other}`);
  });

  it('matches ref (exact and prefix*), environment and workflow; a reader policy cannot publish', async () => {
    await trust(
      'add',
      '--project',
      other,
      '--issuer',
      issuer.url,
      '--repository',
      'octo-org/release',
      '--ref',
      'refs/heads/release/*',
      '--environment',
      'production',
      '--workflow',
      '.github/workflows/plots.yml',
    );
    const release = (ref: string, extra: Record<string, unknown> = {}) =>
      token(
        githubClaims({ repository: 'octo-org/release', ref, environment: 'production', ...extra }),
      );
    expect((await publishWith(await release('refs/heads/release/1.2'), other, 'a')).status).toBe(
      201,
    );
    expect((await publishWith(await release('refs/heads/main'), other, 'b')).status).toBe(403);
    expect(
      (
        await publishWith(
          await release('refs/heads/release/1.2', { environment: 'staging' }),
          other,
          'c',
        )
      ).status,
    ).toBe(403);
    const noEnv = githubClaims({ repository: 'octo-org/release', ref: 'refs/heads/release/2' });
    expect((await publishWith(await token(noEnv), other, 'd')).status).toBe(403);
    const otherWorkflow = await release('refs/heads/release/1.2', {
      workflow_ref: 'octo-org/release/.github/workflows/evil.yml@refs/heads/release/1.2',
    });
    expect((await publishWith(otherWorkflow, other, 'e')).status).toBe(403);

    await trust(
      'add',
      '--project',
      other,
      '--issuer',
      issuer.url,
      '--repository',
      'octo-org/readers',
      '--role',
      'reader',
    );
    const reader = await token(githubClaims({ repository: 'octo-org/readers' }));
    const res = await publishWith(reader, other, 'f');
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(
      /is a reader on project proj_other; this needs publisher/,
    );
    expect((await h.api('GET', `/api/projects/${other}/snapshots`, { token: reader })).status).toBe(
      200,
    );
  });

  it.each([
    ['expired', 'token_expired', /has expired/, () => token(githubClaims(), { expiresIn: -60 })],
    [
      'another audience',
      'invalid_token',
      /audience \("aud"\) is not https:\/\/plots\.example\.test/,
      () => token(githubClaims(), { audience: 'sts.amazonaws.com' }),
    ],
    [
      'an unknown kid',
      'invalid_token',
      /unknown "kid"/,
      () => token(githubClaims(), { key: 'unknown' }),
    ],
    [
      'a forged signature',
      'invalid_token',
      /signature does not verify/,
      () => token(githubClaims(), { key: 'forged' }),
    ],
    [
      'an issuer the server does not trust',
      'invalid_token',
      /comes from https:\/\/evil\.example, an issuer this server does not trust: start the server with --oidc-issuer/,
      () => token(githubClaims(), { issuer: 'https://evil.example' }),
    ],
    [
      'no repository claim',
      'invalid_token',
      /names no repository/,
      () => token({ sub: 'someone' }),
    ],
  ])('refuses a token with %s: 401 %s', async (_name, code, message, make) => {
    const res = await publishWith(await make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const err = await errorOf(res);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('fetches the JWKS once and reuses it', async () => {
    const before = issuer.jwksFetches();
    for (let i = 0; i < 3; i++) {
      expect(
        (await h.api('GET', `/api/projects/${h.projectId}/collections`, { token: await token() }))
          .status,
      ).toBe(200);
    }
    expect(issuer.jwksFetches() - before).toBe(0);
    expect(issuer.jwksFetches()).toBeLessThanOrEqual(2);
  });

  it('answers 503 when the issuer cannot be reached', async () => {
    const down = await startHarness({
      config: { oidcIssuer: 'http://127.0.0.1:9', oidcAudience: AUDIENCE },
    });
    try {
      const res = await down.api('GET', `/api/projects/${down.projectId}/collections`, {
        token: await token(githubClaims(), { issuer: 'http://127.0.0.1:9' }),
      });
      expect(res.status).toBe(503);
      const err = await errorOf(res);
      expect(err.code).toBe('identity_provider_unavailable');
      expect(err.message).toMatch(/Cannot fetch the signing keys of http:\/\/127\.0\.0\.1:9/);
    } finally {
      await down.close();
    }
  });

  it('refused tokens stored nothing, and the same server still answers /healthz', async () => {
    const titles = async (project: string) =>
      (
        (await (
          await h.api('GET', `/api/projects/${project}/snapshots?limit=100`, {
            token: await h.tokenFor(project, 'reader'),
          })
        ).json()) as { data: Array<{ title: string }> }
      ).data.map((s) => s.title);
    // Only the publishes that were let in: "Loss" here, "a" on the other project.
    expect(await titles(h.projectId)).toEqual(['Loss']);
    expect(await titles(other)).toEqual(['a']);
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('trust list and remove; a removed policy refuses the next request', async () => {
    const list = (await runServerCli([
      'trust',
      'list',
      '--project',
      h.projectId,
      '--data-dir',
      h.dataDir,
      '--json',
    ]).then(JSON.parse)) as Array<{ id: string; repository: string }>;
    expect(list.map((p) => p.repository)).toEqual(['octo-org/plots']);
    const removed = JSON.parse(
      await runServerCli(['trust', 'remove', list[0]!.id, '--data-dir', h.dataDir, '--json']),
    );
    expect(removed).toEqual({ id: list[0]!.id, removed: true });
    expect((await publishWith(await token(), h.projectId, 'after')).status).toBe(403);
  });

  it.each([
    [['--repository', 'plots'], /--repository must be owner\/name/],
    [['--repository', 'o/r', '--ref', 'main'], /--ref must be a full ref like refs\/heads\/main/],
    [['--repository', 'o/r', '--workflow', 'plots'], /--workflow must be the workflow file's path/],
    [['--repository', 'o/r', '--issuer', 'http://issuer.example'], /--issuer must be an https URL/],
    [['--repository', 'o/r', '--role', 'owner'], /argument 'owner' is invalid/],
  ])(
    'trust add %j is refused with exit 2 and one line, adding no policy',
    async (args, message) => {
      const before = await runServerCli(['trust', 'list', '--data-dir', h.dataDir, '--json']);
      const err = await runServerCli([
        'trust',
        'add',
        '--project',
        h.projectId,
        ...args,
        '--data-dir',
        h.dataDir,
      ]).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(message);
      expect((err as { code?: number } | null)?.code).toBe(2);
      expect(err?.message).not.toMatch(/\n\s+at /);
      expect(await runServerCli(['trust', 'list', '--data-dir', h.dataDir, '--json'])).toBe(before);
    },
  );
});
