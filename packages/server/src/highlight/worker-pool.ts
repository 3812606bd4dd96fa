/**
 * A small, bounded pool of highlighting threads. highlight.js is quadratic on some crafted
 * inputs and a running regex cannot be interrupted from outside, so a task over its time
 * budget has its thread terminated (V8 stops it wherever it is) and a fresh one takes its place
 * only after the old one exited: the pool never holds more than `threads` live threads, and a
 * queued render is never stuck behind a runaway one.
 */
import { Worker } from 'node:worker_threads';

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

export interface PoolStats {
  /** Tasks handed to a thread so far (a cache hit never gets here). */
  runs: number;
  timeouts: number;
  /** Live threads, including one being terminated. */
  threads: number;
  queued: number;
}

interface Job {
  task: HighlightTask;
  source: string;
  resolve: (r: HighlightResult) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer?: NodeJS.Timeout;
  /** Terminated (over budget or crashed): takes no more work, leaves `slots` on exit. */
  retiring: boolean;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'source'; source: string }
  | { type: 'done'; html: string }
  | { type: 'failed'; message: string };

/** A pool whose threads start on first use; close() terminates them. */
export function createHighlightPool(o: PoolOptions) {
  const workerUrl = o.workerUrl ?? new URL('./highlight-worker.mjs', import.meta.url);
  const slots: Slot[] = [];
  const queue: Job[] = [];
  const stats = { runs: 0, timeouts: 0 };
  let closed = false;

  const finish = (slot: Slot, result: HighlightResult) => {
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    job?.resolve(result);
  };

  const retire = (slot: Slot) => {
    if (slot.retiring) return;
    slot.retiring = true;
    void slot.worker.terminate();
  };

  const post = (slot: Slot) => {
    const job = slot.job!;
    stats.runs++;
    slot.worker.postMessage(job.task);
    slot.timer = setTimeout(() => {
      stats.timeouts++;
      finish(slot, { status: 'timeout', source: job.source });
      retire(slot);
    }, o.timeoutMs);
  };

  const assign = (slot: Slot, job: Job) => {
    slot.job = job;
    if (slot.ready) post(slot);
  };

  const spawn = (): Slot => {
    // A heap cap turns a runaway allocation into a failed task instead of a bloated process.
    const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: 128 } });
    const slot: Slot = { worker, ready: false, job: null, retiring: false };
    // A server with nothing to highlight must still be able to exit.
    slot.worker.unref();
    slot.worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') {
        slot.ready = true;
        if (slot.job) post(slot);
      } else if (m.type === 'source' && slot.job) {
        slot.job.source = m.source;
      } else if (m.type === 'done' && slot.job) {
        finish(slot, { status: 'ok', html: m.html, source: slot.job.source });
        pump(slot);
      } else if (m.type === 'failed' && slot.job) {
        finish(slot, { status: 'failed', source: slot.job.source, message: m.message });
        pump(slot);
      }
    });
    // A thread that crashed (out of memory on a huge input, a grammar that throws at load)
    // fails its task; the file is then shown plain rather than the page failing.
    slot.worker.on('error', (err) => {
      if (slot.job && !slot.ready) finish(slot, { status: 'unavailable', message: err.message });
      else if (slot.job)
        finish(slot, { status: 'failed', source: slot.job.source, message: err.message });
      retire(slot);
    });
    slot.worker.on('exit', () => {
      if (slot.job) finish(slot, { status: 'failed', source: slot.job.source, message: 'exited' });
      slots.splice(slots.indexOf(slot), 1);
      if (!closed) pump();
    });
    slots.push(slot);
    return slot;
  };

  /** Gives queued work to `slot` if it is free, else to any free or new thread. */
  function pump(free?: Slot) {
    while (queue.length > 0) {
      const slot =
        free && !free.job && !free.retiring
          ? free
          : (slots.find((s) => !s.job && !s.retiring) ??
            (slots.length < o.threads ? spawn() : undefined));
      if (!slot) return;
      assign(slot, queue.shift()!);
    }
  }

  return {
    /** Highlights off the event loop; never rejects (every failure is a result). */
    run(task: HighlightTask): Promise<HighlightResult> {
      if (closed) return Promise.resolve({ status: 'closed' });
      const slot =
        slots.find((s) => !s.job && !s.retiring) ??
        (slots.length < o.threads ? spawn() : undefined);
      if (!slot && queue.length >= o.maxQueue) return Promise.resolve({ status: 'busy' });
      return new Promise((resolve) => {
        const job: Job = { task, source: task.text, resolve };
        if (slot) assign(slot, job);
        else queue.push(job);
      });
    },
    stats: (): PoolStats => ({ ...stats, threads: slots.length, queued: queue.length }),
    /** Terminates every thread; pending and queued tasks answer `closed`. */
    async close(): Promise<void> {
      closed = true;
      for (const job of queue.splice(0)) job.resolve({ status: 'closed' });
      const exits = slots.map((s) => {
        finish(s, { status: 'closed' });
        s.retiring = true;
        return s.worker.terminate();
      });
      await Promise.all(exits);
    },
  };
}

export type HighlightPool = ReturnType<typeof createHighlightPool>;
