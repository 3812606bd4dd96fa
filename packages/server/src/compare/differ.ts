/**
 * The server's pixel differ: pixel-compare.mjs in the diff threads (the shared worker pool,
 * workers/pool.ts), off the request thread, with the server's limits: `maxPixels` per side
 * (`too_large`), `timeoutMs` per pair (the thread is terminated: `timeout`), `threads` pairs
 * at once and `maxQueue` waiting (beyond it a pair answers `timeout` at once: the server is
 * too busy now, and timeouts are not cached).
 */
import { createWorkerPool } from '../workers/pool.js';
import {
  type DiffLimits,
  type DiffSide,
  fromRaw,
  notCompared,
  type PixelDiffResult,
  type RawDiffResult,
} from './pixel-diff.js';

interface DiffTask {
  base: { bytes: Uint8Array<ArrayBuffer>; contentType: string };
  head: { bytes: Uint8Array<ArrayBuffer>; contentType: string };
  maxPixels: number;
}

/** A copy of the bytes in an ArrayBuffer of their own (moved to the thread, not cloned). */
const own = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b);

export function createDiffer(o: DiffLimits & { threads: number; maxQueue: number }) {
  const pool = createWorkerPool<DiffTask, RawDiffResult>({
    threads: o.threads,
    maxQueue: o.maxQueue,
    timeoutMs: o.timeoutMs,
    workerUrl: new URL('./diff-worker.mjs', import.meta.url),
    // Two decoded 40 MP sides are 320 MB of buffers outside the V8 heap; the heap holds little.
    maxHeapMb: 256,
  });
  return {
    async diff(base: DiffSide, head: DiffSide): Promise<PixelDiffResult> {
      const task: DiffTask = {
        base: { bytes: own(base.bytes), contentType: base.contentType },
        head: { bytes: own(head.bytes), contentType: head.contentType },
        maxPixels: o.maxPixels,
      };
      const r = await pool.run(task, [task.base.bytes.buffer, task.head.bytes.buffer]);
      if (r.status === 'ok') return fromRaw(r.value);
      // A thread that failed on the pair (out of memory on a crafted image) did not decode it.
      if (r.status === 'failed') return notCompared('decode_failed');
      return notCompared('timeout');
    },
    stats: pool.stats,
    close: pool.close,
  };
}

export type Differ = ReturnType<typeof createDiffer>;
