/**
 * Rough throughput of one in-process server on a temp data dir (not a test):
 * JSON publishes per second and upload MiB/s. `pnpm --filter snapshotplot-server bench`.
 * Options: BENCH_PUBLISHES (default 2000), BENCH_CONCURRENCY (16), BENCH_UPLOAD_MIB (16),
 * BENCH_UPLOADS (8).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceToken } from '../src/auth/service-tokens.js';
import { makeConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PUBLISHES = env('BENCH_PUBLISHES', 2000);
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const UPLOAD_MIB = env('BENCH_UPLOAD_MIB', 16);
const UPLOADS = env('BENCH_UPLOADS', 8);

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'sp-bench-'));
  const config = makeConfig({
    port: 0,
    dataDir,
    logLevel: 'silent',
    maxUploadBytes: (UPLOAD_MIB + 1) * 1024 * 1024,
  });
  const server = await startServer({ config });
  const store = server.context.store;
  await store.createProject({
    id: 'bench',
    name: 'bench',
    owner_id: null,
    created_at: new Date().toISOString(),
  });
  const { token } = await createServiceToken(store, {
    projectId: 'bench',
    role: 'publisher',
    now: new Date(),
  });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const urls: string[] = [];
  try {
    let t = performance.now();
    await pool(PUBLISHES, CONCURRENCY, async (i) => {
      const res = await fetch(`${server.url}/api/snapshots/publish`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          project_id: 'bench',
          title: `bench ${i}`,
          commit_sha: 'abcdef1',
          tags: ['bench'],
        }),
      });
      if (res.status !== 201) throw new Error(`publish answered ${res.status}`);
      const body = (await res.json()) as { upload_urls: { plot: string } };
      if (urls.length < UPLOADS) urls.push(body.upload_urls.plot);
    });
    const publishSeconds = (performance.now() - t) / 1000;
    const payload = Buffer.alloc(UPLOAD_MIB * 1024 * 1024, 1);
    t = performance.now();
    await pool(urls.length, Math.min(4, urls.length), async (i) => {
      const res = await fetch(urls[i]!, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: payload,
      });
      if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
      await res.arrayBuffer();
    });
    const uploadSeconds = (performance.now() - t) / 1000;
    console.log(
      JSON.stringify({
        publishes: PUBLISHES,
        concurrency: CONCURRENCY,
        publish_per_second: Math.round(PUBLISHES / publishSeconds),
        uploads: urls.length,
        upload_mib_each: UPLOAD_MIB,
        upload_mib_per_second: Math.round(((urls.length * UPLOAD_MIB) / uploadSeconds) * 10) / 10,
      }),
    );
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
