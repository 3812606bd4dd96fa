/**
 * What `serve --workers` processes say to each other over the cluster IPC channel. Every
 * message carries `snapshotplot` (its kind), so Node's own cluster messages never match.
 */

/** A worker to the primary. */
export type WorkerMessage =
  | { snapshotplot: 'ready'; url: string; empty: boolean }
  | { snapshotplot: 'failed'; message: string; exitCode: number }
  /** `wait`: queue for the lock until it is free (the answer comes then) instead of refusing. */
  | { snapshotplot: 'lock'; id: number; key: string; wait?: boolean }
  /** Stop waiting: the answer to `id` is still sent (ok false, or ok true if it was granted). */
  | { snapshotplot: 'cancel'; id: number }
  | { snapshotplot: 'unlock'; key: string }
  | { snapshotplot: 'event'; projectId: string };

/** The primary to a worker. */
export type PrimaryMessage =
  | { snapshotplot: 'locked'; id: number; ok: boolean }
  | { snapshotplot: 'event'; projectId: string }
  | { snapshotplot: 'shutdown' };

/** The environment variable that tells a forked process which worker slot (1..N) it is. */
export const SLOT_ENV = 'SNAPSHOTPLOT_WORKER_SLOT';
/** How many workers the primary runs (a worker sizes its thread pools by it). */
export const COUNT_ENV = 'SNAPSHOTPLOT_WORKER_COUNT';

/** True for a message of ours (cluster IPC also carries other processes' messages). */
export function isOurs<T extends { snapshotplot: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as T).snapshotplot === 'string';
}
