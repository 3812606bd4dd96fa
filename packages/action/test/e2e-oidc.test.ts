/**
 * End to end without a secret: the committed bundle, spawned as the runner spawns it with the
 * runner's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, served by a local issuer
 * minting GitHub-shaped tokens), against the built server trusting that issuer by policy.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerCli, startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { githubClaims, startTestIssuer, type TestIssuer } from 'snapshotplot-server/testing-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePayload, PNG } from './helpers.js';
import { runBundle } from './runner.js';

let issuer: TestIssuer;
let server: TestServer;
let projectId = '';
let workspace = '';

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startTestServer({ args: ['--oidc-issuer', issuer.url] });
  projectId = (await server.createProject('oidc-e2e')).id;
  workspace = await mkdtemp(join(tmpdir(), 'snapshotplot-ws-'));
  await mkdir(join(workspace, 'plots'));
  await writeFile(join(workspace, 'plots', 'loss.png'), PNG);
});
afterAll(async () => {
  await server?.destroy();
  await issuer?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

const step = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runBundle({
    inputs: {
      'api-url': server.url,
      'project-id': projectId,
      plot: 'plots/loss.png',
      'use-oidc': 'true',
      ...inputs,
    },
    eventName: 'push',
    payload: examplePayload('push'),
    workspace,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: issuer.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
      ...env,
    },
  });

describe('dist/index.js with use-oidc', () => {
  it('without a trust policy: one ::error naming the claims and the trust add command', async () => {
    issuer.runnerClaims = githubClaims({ repository: 'octo-org/plots', ref: 'refs/heads/main' });
    const r = await step({});
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('untrusted_identity');
    expect(errors[0]).toContain(
      '--repository octo-org/plots --ref refs/heads/main --role publisher',
    );
    expect(errors[0]).not.toContain('use a token of this project');
  });

  it('publishes with no token once a policy trusts the repository and branch', async () => {
    await runServerCli([
      'trust',
      'add',
      '--project',
      projectId,
      '--issuer',
      issuer.url,
      '--repository',
      'octo-org/plots',
      '--ref',
      'refs/heads/main',
      '--data-dir',
      server.dataDir,
    ]);
    const r = await step({});
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs['snapshot-id']).toMatch(/^snap_/);
    // The ID token is masked like a secret before anything could print it.
    expect(r.stdout).toMatch(/::add-mask::ey/);
  });

  it('a job without id-token permission: one ::error naming the permission', async () => {
    const r = await step(
      {},
      { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
    );
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('permissions: id-token: write');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an ID token for another audience is refused by the server with the audience named', async () => {
    const r = await step({ 'oidc-audience': 'sts.amazonaws.com' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/audience \("aud"\) is not http:\/\/127\.0\.0\.1:\d+/);
  });
});
