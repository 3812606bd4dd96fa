/** Test data built inline: contract-typed bodies and temp files. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishMetadata, Snapshot } from '@snapshotplot/api-client';

export const BASE = 'https://api.snapshotplot.test';
export const PROJECT = 'proj_1';

export const metadata: PublishMetadata = {
  project_id: PROJECT,
  collection: 'experiments',
  title: 'Loss curve',
  commit_sha: 'abc1234',
  tags: ['ml'],
};

/** A ready snapshot record as the server reads it back. */
export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    id: 'snap_1',
    project_id: PROJECT,
    collection_id: 'col_1',
    collection: 'experiments',
    title: 'Loss curve',
    author: null,
    description: null,
    tags: ['ml'],
    repo_owner: null,
    repo_name: null,
    commit_sha: 'abc1234',
    branch: null,
    pr_number: null,
    ci: null,
    status: 'ready',
    artifacts: { plot: true, code: false },
    files: { plot: null, code: null },
    plot_url: `${BASE}/api/snapshots/snap_1/plot`,
    code_url: null,
    supersedes: null,
    created_at: '2026-11-25T12:00:00.000Z',
    finalized_at: '2026-11-25T12:00:01.000Z',
    ...over,
  };
}

/** A temp folder with the given files; `cleanup` removes it. */
export async function tempFiles(files: Record<string, string | Buffer>) {
  const dir = await mkdtemp(join(tmpdir(), 'snapshotplot-client-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return {
    dir,
    path: (name: string) => join(dir, name),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** An injectable sleep that records the delays asked for and returns at once. */
export function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}
