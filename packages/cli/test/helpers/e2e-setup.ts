/** A real server, a project, tokens and a feature-branch repository with figures, for e2e tests. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contract, type ListSnapshotsQuery, pathFor, queryFor } from '@snapshotplot/api-client';
import { makeRepo, type TempRepo } from '@snapshotplot/core/testing';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { CLI_BIN } from './run-cli.js';

/** A valid 1x1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export const svg = (label: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>${label}</title></svg>\n`;

/** The API path that lists a project's snapshots with `query`, as the contract places it. */
export const listPath = (project: string, query: ListSnapshotsQuery) =>
  `${pathFor(contract.listSnapshots, { id: project })}${queryFor(contract.listSnapshots, query)}`;

export interface E2e {
  server: TestServer;
  project: string;
  token: string;
  repo: TempRepo;
  /** Env for the CLI: server URL, token and project as variables. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** GET an API path with the publisher token, parsed. */
  api<T>(path: string): Promise<T>;
  teardown(): Promise<void>;
}

/** Starts everything; call teardown() in afterAll. */
export async function setupE2e(): Promise<E2e> {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first.`);
  const server = await startTestServer();
  const { id: project } = await server.createProject('CLI e2e');
  const token = await server.createToken(project, 'publisher');
  const repo = makeRepo({
    commits: [{ 'README.md': '# plots\n' }, { 'make_fig.py': 'print("plot")\n' }],
    branch: 'feature/loss-curve',
    remotes: { origin: 'git@github.com:octo-org/plots.git' },
  });
  writeFileSync(join(repo.dir, 'fig.png'), PNG);
  return {
    server,
    project,
    token,
    repo,
    env: (extra = {}) => ({
      SNAPSHOTPLOT_API_URL: server.url,
      SNAPSHOTPLOT_TOKEN: token,
      SNAPSHOTPLOT_PROJECT: project,
      ...extra,
    }),
    async api<T>(path: string) {
      const res = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async teardown() {
      await server.destroy();
      repo.remove();
    },
  };
}
