/**
 * A small, bounded pool of worker threads with a time budget per task, shared by code
 * highlighting and the pixel diff. A running task cannot be interrupted from outside (a regex,
 * a pixel loop), so a task over its budget has its thread terminated (V8 stops it wherever it
 * is) and a fresh one takes its place only after the old one exited: the pool never holds more
 * than `threads` live threads, and a queued task is never stuck behind a runaway one.
 *
 * A worker posts `{type:'ready'}` once loaded, then per task `{type:'done', value}` or
 * `{type:'failed', message}`, optionally preceded by `{type:'progress', value}` (what a task
 * stopped over budget still reports, e.g. the notebook cells the highlighter extracted).
 */
import { type Transferable, Worker } from 'node:worker_threads';

export interface WorkerPoolOptions {
  threads: number;
  /** Tasks waiting for a thread beyond which run() answers `busy` at once. */
  maxQueue: number;
  /** Budget of one task, counted from when a ready thread receives it (not queue time). */
  timeoutMs: number;
  workerUrl: URL;
  /** A heap cap turns a runaway allocation into a failed task instead of a bloated process. */
  maxHeapMb: number;
  /**
   * The threads' process.env (Worker's `env`); default: a copy of the server's. A pool that runs
   * untrusted input gives `{}`, so its threads see none of the server's secrets.
   */
  env?: Record<string, string>;
}

/** `progress` is the last progress value the task reported, when it reported one. */
export type PoolResult<V, P> =
  | { status: 'ok'; value: V; progress?: P }
  | { status: 'timeout'; progress?: P }
  | { status: 'failed'; message: string; progress?: P }
  /** No thread could start (a broken install): says nothing about the task. */
  | { status: 'unavailable'; message: string }
  | { status: 'busy' | 'closed' };

export interface PoolStats {
  /** Tasks handed to a thread so far. */
  runs: number;
  timeouts: number;
  /** Live threads, including one being terminated. */
  threads: number;
  queued: number;
}

interface Job<T, V, P> {
  task: T;
  transfer: Transferable[];
  progress?: P;
  resolve: (r: PoolResult<V, P>) => void;
}

interface Slot<T, V, P> {
  worker: Worker;
  ready: boolean;
  job: Job<T, V, P> | null;
  timer?: NodeJS.Timeout;
  /** Terminated (over budget or crashed): takes no more work, leaves `slots` on exit. */
  retiring: boolean;
}

type WorkerMessage<V, P> =
  | { type: 'ready' }
  | { type: 'progress'; value: P }
  | { type: 'done'; value: V }
  | { type: 'failed'; message: string };

/** A pool whose threads start on first use; close() terminates them. */
export function createWorkerPool<T, V, P = never>(o: WorkerPoolOptions) {
  const slots: Array<Slot<T, V, P>> = [];
  const queue: Array<Job<T, V, P>> = [];
  const stats = { runs: 0, timeouts: 0 };
  let closed = false;
  const withProgress = (job: Job<T, V, P> | null) =>
    job && job.progress !== undefined ? { progress: job.progress } : {};

  const finish = (slot: Slot<T, V, P>, result: PoolResult<V, P>) => {
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    job?.resolve(result);
  };

  const retire = (slot: Slot<T, V, P>) => {
    if (slot.retiring) return;
    slot.retiring = true;
    void slot.worker.terminate();
  };

  const post = (slot: Slot<T, V, P>) => {
    const job = slot.job!;
    stats.runs++;
    slot.worker.postMessage(job.task, job.transfer);
    slot.timer = setTimeout(() => {
      stats.timeouts++;
      finish(slot, { status: 'timeout', ...withProgress(job) });
      retire(slot);
    }, o.timeoutMs);
  };

  const assign = (slot: Slot<T, V, P>, job: Job<T, V, P>) => {
    slot.job = job;
    if (slot.ready) post(slot);
  };

  const spawn = (): Slot<T, V, P> => {
    const worker = new Worker(o.workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb },
      ...(o.env ? { env: o.env } : {}),
    });
    const slot: Slot<T, V, P> = { worker, ready: false, job: null, retiring: false };
    // A server with nothing to do must still be able to exit.
    slot.worker.unref();
    slot.worker.on('message', (m: WorkerMessage<V, P>) => {
      if (m.type === 'ready') {
        slot.ready = true;
        if (slot.job) post(slot);
      } else if (m.type === 'progress' && slot.job) {
        slot.job.progress = m.value;
      } else if (m.type === 'done' && slot.job) {
        finish(slot, { status: 'ok', value: m.value, ...withProgress(slot.job) });
        pump(slot);
      } else if (m.type === 'failed' && slot.job) {
        finish(slot, { status: 'failed', message: m.message, ...withProgress(slot.job) });
        pump(slot);
      }
    });
    // A thread that crashed (out of memory on a huge input, a module that throws at load)
    // fails its task.
    slot.worker.on('error', (err) => {
      if (slot.job && !slot.ready) finish(slot, { status: 'unavailable', message: err.message });
      else if (slot.job)
        finish(slot, { status: 'failed', message: err.message, ...withProgress(slot.job) });
      retire(slot);
    });
    slot.worker.on('exit', () => {
      if (slot.job)
        finish(slot, { status: 'failed', message: 'exited', ...withProgress(slot.job) });
      slots.splice(slots.indexOf(slot), 1);
      if (!closed) pump();
    });
    slots.push(slot);
    return slot;
  };

  /** Gives queued work to `slot` if it is free, else to any free or new thread. */
  function pump(free?: Slot<T, V, P>) {
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
    /** Runs `task` in a thread (moving `transfer`); never rejects (every failure is a result). */
    run(task: T, transfer: Transferable[] = []): Promise<PoolResult<V, P>> {
      if (closed) return Promise.resolve({ status: 'closed' });
      const slot =
        slots.find((s) => !s.job && !s.retiring) ??
        (slots.length < o.threads ? spawn() : undefined);
      if (!slot && queue.length >= o.maxQueue) return Promise.resolve({ status: 'busy' });
      return new Promise((resolve) => {
        const job: Job<T, V, P> = { task, transfer, resolve };
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
