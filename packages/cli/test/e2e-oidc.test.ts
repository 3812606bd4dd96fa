/**
 * `snapshotplot publish --oidc` end to end: the built bin gets the CI job's ID token (GitHub's
 * runner endpoint, or GitLab's `id_tokens:` variable) from a local issuer and publishes to the
 * built server, which trusts that issuer and repository by policy. No token anywhere.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type TempRepo } from '@snapshotplot/core/testing';
import { runServerCli, startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { githubClaims, startTestIssuer, type TestIssuer } from 'snapshotplot-server/testing-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

let issuer: TestIssuer;
let server: TestServer;
let project = '';
let repo: TempRepo;

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startTestServer({ args: ['--oidc-issuer', issuer.url] });
  project = (await server.createProject('CLI oidc')).id;
  const trust = (...args: string[]) =>
    runServerCli([
      'trust',
      'add',
      '--project',
      project,
      '--issuer',
      issuer.url,
      ...args,
      '--data-dir',
      server.dataDir,
    ]);
  await trust('--repository', 'octo-org/plots', '--ref', 'refs/heads/main');
  await trust('--repository', 'group/sub/plots', '--ref', 'refs/heads/main');
  repo = makeRepo({ commits: [{ 'README.md': '# plots\n' }], branch: 'plots' });
  writeFileSync(join(repo.dir, 'fig.png'), PNG);
});
afterAll(async () => {
  await server?.destroy();
  await issuer?.close();
  repo?.remove();
});

const publish = (env: Record<string, string>, title: string) =>
  runCli(['publish', '--oidc', '--title', title, '--plot', 'fig.png', '--json'], {
    cwd: repo.dir,
    env: { SNAPSHOTPLOT_API_URL: server.url, SNAPSHOTPLOT_PROJECT: project, ...env },
  });

describe('snapshotplot publish --oidc', () => {
  it("on GitHub Actions: the runner's ID token for the API URL", async () => {
    issuer.runnerClaims = githubClaims({ repository: 'octo-org/plots', ref: 'refs/heads/main' });
    const run = await publish(
      {
        GITHUB_ACTIONS: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: issuer.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
      },
      'from github',
    );
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).status).toBe('ready');
  });

  it("on GitLab CI: the id_tokens variable SNAPSHOTPLOT_ID_TOKEN (GitLab's claims)", async () => {
    const token = await issuer.mint(
      {
        sub: 'project_path:group/sub/plots:ref_type:branch:ref:main',
        project_path: 'group/sub/plots',
        namespace_path: 'group/sub',
        ref: 'main',
        ref_type: 'branch',
        pipeline_source: 'push',
        ci_config_ref_uri: 'gitlab.example/group/sub/plots//.gitlab-ci.yml@refs/heads/main',
      },
      { audience: server.url },
    );
    const run = await publish({ GITLAB_CI: 'true', SNAPSHOTPLOT_ID_TOKEN: token }, 'from gitlab');
    expect(run.code, run.stderr).toBe(0);
  });

  it('an untrusted branch: exit 3 and the trust add command', async () => {
    issuer.runnerClaims = githubClaims({ repository: 'octo-org/plots', ref: 'refs/heads/feature' });
    const run = await publish(
      {
        GITHUB_ACTIONS: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: issuer.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
      },
      'feature',
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      '--repository octo-org/plots --ref refs/heads/feature --role publisher',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('without an ID token: exit 3 naming the permission (GitHub) or the id_tokens variable', async () => {
    const gh = await publish({ GITHUB_ACTIONS: 'true' }, 'none');
    expect(gh.code).toBe(3);
    expect(gh.stderr).toContain('permissions: id-token: write');
    const elsewhere = await publish({}, 'none');
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toContain(`id_tokens: SNAPSHOTPLOT_ID_TOKEN: aud: ${server.url}`);
    expect(elsewhere.stderr.trim().split('\n')).toHaveLength(1);
  });
});
