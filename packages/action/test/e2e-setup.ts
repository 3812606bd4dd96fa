/**
 * Shared setup of the end-to-end tests: a real snapshotplot-server (the BUILT bin, so run
 * `pnpm build` first), a project with a publisher token, and a workspace with plot files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contract, pathFor, type Snapshot } from '@snapshotplot/api-client';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { PNG } from './helpers.js';

export interface E2E {
  token: () => string;
  workspace: () => string;
  /** Step inputs of a typical single-plot publish, with overrides. */
  inputs: (over?: Record<string, string>) => Record<string, string>;
  /** The snapshot as the server stored it. */
  stored: (id: string) => Promise<Snapshot>;
}

/** Starts the server before the file's tests and stops it after them. */
export function useE2E(): E2E {
  let server: TestServer;
  let projectId = '';
  let token = '';
  let workspace = '';
  beforeAll(async () => {
    server = await startTestServer();
    projectId = (await server.createProject('action-e2e')).id;
    token = await server.createToken(projectId, 'publisher');
    workspace = await mkdtemp(join(tmpdir(), 'snapshotplot-ws-'));
    await mkdir(join(workspace, 'plots'));
    await writeFile(join(workspace, 'plots', 'loss.png'), PNG);
    await writeFile(join(workspace, 'plots', 'loss.py'), 'import matplotlib\n');
    await writeFile(
      join(workspace, 'plots', 'accuracy.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><rect width="2" height="2"/></svg>',
    );
  });
  afterAll(async () => {
    await server?.destroy();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });
  return {
    token: () => token,
    workspace: () => workspace,
    inputs: (over = {}) => ({
      'api-url': server.url,
      token,
      'project-id': projectId,
      title: 'Loss curve',
      plot: 'plots/loss.png',
      code: 'plots/loss.py',
      tags: 'ml\nnightly',
      collection: 'experiments',
      'fail-on-error': 'true',
      summary: 'true',
      'dry-run': 'false',
      // Publishing tests; the comparison after publishing is tested in e2e-review.test.ts.
      compare: 'false',
      ...over,
    }),
    async stored(id) {
      const res = await fetch(`${server.url}${pathFor(contract.getSnapshot, { id })}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Snapshot;
    },
  };
}

/** The output after the mask command, which must come before any other line. */
export function afterMask(out: string, secret: string): string {
  const [first, ...rest] = out.split('\n');
  expect(first).toBe(`::add-mask::${secret}`);
  return rest.join('\n');
}
