// The highlight pool's bounds, driven directly (the HTTP behaviour is in highlight.test.ts):
// a full queue answers `busy` at once, an over-budget thread is terminated and replaced, and
// close() ends every thread and pending task.
import { afterEach, expect, it } from 'vitest';
import { createHighlightPool, type HighlightPool } from '../src/highlight/worker-pool.js';

const crafted = { text: '0x'.repeat(40 * 1024), language: 'typescript', notebook: false };
const small = { text: 'const a = 1;', language: 'typescript', notebook: false };

let pool: HighlightPool | undefined;
afterEach(() => pool?.close());

it('answers busy at once when the thread and the queue are taken', async () => {
  pool = createHighlightPool({ threads: 1, maxQueue: 1, timeoutMs: 500 });
  const running = pool.run(crafted);
  const queued = pool.run(small);
  const refused = await pool.run(small);
  expect(refused).toEqual({ status: 'busy' });
  expect(pool.stats()).toMatchObject({ threads: 1, queued: 1 });
  expect(await running).toMatchObject({ status: 'timeout', source: crafted.text });
  // The queued task ran on a fresh thread once the runaway one had exited.
  expect(await queued).toMatchObject({ status: 'ok' });
  expect(pool.stats()).toMatchObject({ runs: 2, timeouts: 1, threads: 1, queued: 0 });
});

it('close() terminates the threads and answers pending tasks', async () => {
  pool = createHighlightPool({ threads: 1, maxQueue: 4, timeoutMs: 60_000 });
  const running = pool.run(crafted);
  const queued = pool.run(small);
  await pool.close();
  expect(await running).toEqual({ status: 'closed' });
  expect(await queued).toEqual({ status: 'closed' });
  expect(pool.stats().threads).toBe(0);
  expect(await pool.run(small)).toEqual({ status: 'closed' });
});

it('a thread that cannot start answers unavailable (not a verdict on the file)', async () => {
  const workerUrl = new URL('./no-such-worker.mjs', import.meta.url);
  pool = createHighlightPool({ threads: 1, maxQueue: 1, timeoutMs: 500, workerUrl });
  expect(await pool.run(small)).toMatchObject({ status: 'unavailable' });
  expect(await pool.run(small)).toMatchObject({ status: 'unavailable' });
});
