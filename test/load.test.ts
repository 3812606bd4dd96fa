// Load against one spawned server: 200 concurrent publishers (publish, two PUTs, finalize),
// then the same flow with the server killed (-9) at random moments and restarted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Snapshot } from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countingFetch,
  freePort,
  inspectDataDir,
  prng,
  type RequestStats,
  type SourcePair,
  sha256,
  verifyArtifactFiles,
  wait,
  writePairs,
} from './load-helpers.js';

const PUBLISHERS = 200;
let filesDir = '';
let pairs: SourcePair[] = [];
const servers: TestServer[] = [];

beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'snapshotplot-load-'));
  pairs = await writePairs(filesDir, PUBLISHERS);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.destroy()));
  await rm(filesDir, { recursive: true, force: true });
});

/** Rejects when `promise` takes longer than ms: every load phase is bounded in time. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function setUp(args: string[] = []) {
  const server = await startTestServer({ args });
  servers.push(server);
  const project = await server.createProject('load');
  const token = await server.createToken(project.id, 'publisher');
  return { server, projectId: project.id, token };
}

/** Every snapshot ready, rows and files matching exactly, the database intact. */
async function expectConsistent(server: TestServer, projectId: string, published: Snapshot[]) {
  const state = await inspectDataDir(server.dataDir, projectId);
  expect(state.integrity).toBe('ok');
  // One snapshot per publisher: no duplicates from retried publishes.
  expect(state.snapshots.map((s) => s.title).sort()).toEqual(pairs.map((p) => p.title).sort());
  expect(state.snapshots.every((s) => s.status === 'ready')).toBe(true);
  expect(new Set(published.map((s) => s.id))).toEqual(new Set(state.snapshots.map((s) => s.id)));
  expect(state.artifacts).toHaveLength(2 * PUBLISHERS);
  // The files on disk are exactly the stored artifacts: nothing partial, temp or orphaned.
  expect(state.files).toEqual(state.artifacts.map((a) => a.storage_key).sort());
  expect(await verifyArtifactFiles(server.dataDir, state.artifacts)).toEqual([]);
  // Byte-exact against the sources the clients published.
  const byTitle = new Map(pairs.map((p) => [p.title, p]));
  const sums = new Map(state.artifacts.map((a) => [`${a.snapshot_id}/${a.kind}`, a.sha256]));
  for (const s of published) {
    const source = byTitle.get(s.title)!;
    expect(sums.get(`${s.id}/plot`)).toBe(sha256(source.plotBytes));
    expect(sums.get(`${s.id}/code`)).toBe(sha256(source.codeBytes));
  }
}

describe('load', () => {
  it('200 concurrent publishers: zero failed requests, every snapshot ready, rows and files exact', async () => {
    const { server, projectId, token } = await setUp();
    const stats: RequestStats = { total: 0, failed: [] };
    const client = createClient({
      baseUrl: server.url,
      token,
      fetch: countingFetch(stats),
      sleep: async () => {},
    });
    const results = await within(
      45_000,
      `${PUBLISHERS} concurrent publishes`,
      Promise.all(
        pairs.map((p) =>
          publishSnapshot(client, {
            metadata: { project_id: projectId, title: p.title, commit_sha: 'a1b2c3d' },
            plot: p.plot,
            code: p.code,
          }),
        ),
      ),
    );
    expect(stats.failed).toEqual([]);
    expect(stats.total).toBe(4 * PUBLISHERS);
    expect(results.every((r) => r.created && r.snapshot.status === 'ready')).toBe(true);
    await expectConsistent(
      server,
      projectId,
      results.map((r) => r.snapshot),
    );
  }, 60_000);

  it('kill -9 at random moments during the load: retries finish, nothing lost, partial or doubled', async () => {
    // A fixed port, so the URLs the clients hold (API and upload URLs) survive a restart.
    const port = await freePort();
    const { server, projectId, token } = await setUp(['--port', String(port)]);
    const stats: RequestStats = { total: 0, failed: [] };
    const client = createClient({
      baseUrl: server.url,
      token,
      fetch: countingFetch(stats),
      retries: 30,
      timeoutMs: 10_000,
      minRetryDelayMs: 50,
      maxRetryDelayMs: 400,
      maxRetryAfterMs: 400,
    });
    const random = prng(Number(process.env.SNAPSHOTPLOT_LOAD_SEED ?? 7));
    let running = true;
    const kills: number[] = [];
    const killer = (async () => {
      // At most 3 kills, each 50-400 ms into the load, and never after the load is over.
      for (let i = 0; i < 3 && running; i++) {
        await wait(50 + Math.floor(random() * 350));
        if (!running) break;
        await server.kill();
        kills.push(Date.now());
        await server.restart();
      }
    })();
    const settled = await within(
      90_000,
      'publishes under kill -9',
      Promise.allSettled(
        pairs.map((p) =>
          publishSnapshot(client, {
            metadata: { project_id: projectId, title: p.title, commit_sha: 'a1b2c3d' },
            plot: p.plot,
            code: p.code,
          }),
        ),
      ),
    ).finally(() => {
      running = false;
    });
    await killer;
    expect(kills.length).toBeGreaterThan(0);
    // The kills hit requests in flight (else this test would prove nothing about recovery).
    expect(stats.failed.length).toBeGreaterThan(0);
    const failures = settled.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    const published = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.snapshot] : []));
    // A last crash and restart: the start-up sweep must leave exactly the stored artifacts.
    await server.kill();
    await server.restart();
    await expectConsistent(server, projectId, published);
    for (const s of published.slice(0, 20)) {
      const fresh = await client.getSnapshot(s.id);
      expect(fresh.status).toBe('ready');
      const plot = Buffer.from(await (await fetch(fresh.plot_url!)).arrayBuffer());
      expect(sha256(plot)).toBe(sha256(pairs.find((p) => p.title === s.title)!.plotBytes));
    }
  }, 120_000);
});
