/**
 * The highlighting threads: the shared worker pool (workers/pool.ts) running
 * highlight-worker.mjs. highlight.js is quadratic on some crafted inputs and a running regex
 * cannot be interrupted from outside, so a task over its budget has its thread terminated;
 * the notebook cells a stopped task extracted (its progress) are still what is shown.
 */
import { createWorkerPool, type PoolStats } from '../workers/pool.js';

export type { PoolStats };

export interface HighlightTask {
  text: string;
  /** A grammar registered in highlight-worker.mjs; anything else is highlighted as plaintext. */
  language: string;
  /** Extract the code cells of a Jupyter notebook first (in the thread: it parses JSON). */
  notebook: boolean;
}

/** `source` is the text that was (or would have been) highlighted, notebook cells extracted. */
export type HighlightResult =
  | { status: 'ok'; html: string; source: string }
  | { status: 'timeout'; source: string }
  | { status: 'failed'; source: string; message: string }
  /** No thread could start (a broken install): says nothing about the file. */
  | { status: 'unavailable'; message: string }
  | { status: 'busy' | 'closed' };

export interface PoolOptions {
  threads: number;
  /** Tasks waiting for a thread beyond which run() answers `busy` at once. */
  maxQueue: number;
  /** Budget of one task, counted from when a ready thread receives it (not queue time). */
  timeoutMs: number;
  /** Tests point this at a worker that misbehaves; defaults to highlight-worker.mjs. */
  workerUrl?: URL;
}

/** A pool whose threads start on first use; close() terminates them. */
export function createHighlightPool(o: PoolOptions) {
  const pool = createWorkerPool<HighlightTask, string, string>({
    threads: o.threads,
    maxQueue: o.maxQueue,
    timeoutMs: o.timeoutMs,
    workerUrl: o.workerUrl ?? new URL('./highlight-worker.mjs', import.meta.url),
    maxHeapMb: 128,
  });
  return {
    /** Highlights off the event loop; never rejects (every failure is a result). */
    async run(task: HighlightTask): Promise<HighlightResult> {
      const r = await pool.run(task);
      const source = 'progress' in r && r.progress !== undefined ? r.progress : task.text;
      if (r.status === 'ok') return { status: 'ok', html: r.value, source };
      if (r.status === 'timeout') return { status: 'timeout', source };
      if (r.status === 'failed') return { status: 'failed', source, message: r.message };
      return r;
    },
    stats: pool.stats,
    close: pool.close,
  };
}

export type HighlightPool = ReturnType<typeof createHighlightPool>;
