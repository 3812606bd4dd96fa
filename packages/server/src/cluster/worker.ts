/**
 * The worker side of `serve --workers`: which slot this process is, and the store services
 * (locks held across transactions, other workers' events) that SQLite cannot give across
 * processes, asked of the primary over IPC. The primary frees a dead worker's locks, as
 * PostgreSQL frees a dead session's advisory locks.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { StoreServices } from '../data/store.js';
import {
  COUNT_ENV,
  isOurs,
  type PrimaryMessage,
  SLOT_ENV,
  type WorkerMessage,
} from './messages.js';

export interface ClusterRole {
  /** 1..N, kept by a restarted worker (the process id and cluster id are not). */
  slot: number;
  count: number;
  /** Slot 1 runs the background jobs (sweep, retention, webhook deliveries) for all. */
  leader: boolean;
  /** Threads for each worker pool (highlight, diff, thumbnails): the cores shared by N. */
  threads: number;
  /** Locks and events through the primary (for SQLite; PostgreSQL has its own). */
  services: StoreServices;
  /** Tells the other workers of an event committed here. */
  fanOut(projectId: string): void;
  /** Tells the primary this worker listens. */
  ready(url: string, empty: boolean): void;
  /** Tells the primary this worker could not start; it then leaves the cluster. */
  failed(message: string, exitCode: number): void;
}

const send = (m: WorkerMessage) => {
  if (process.connected) process.send?.(m);
};

/** This process's role when the primary of `serve --workers` forked it, else undefined. */
export function clusterRole(env: Record<string, string | undefined> = process.env) {
  const slot = Number(env[SLOT_ENV]);
  const count = Number(env[COUNT_ENV]);
  if (!cluster.isWorker || !Number.isSafeInteger(slot) || !Number.isSafeInteger(count)) return;
  let nextId = 1;
  const pending = new Map<number, (ok: boolean) => void>();
  // Waits given up (lock id -> key): a grant that crossed the cancel is released at once.
  const abandoned = new Map<number, string>();
  const listeners = new Set<(projectId: string) => void>();
  const onMessage = (m: unknown) => {
    if (!isOurs<PrimaryMessage>(m)) return;
    if (m.snapshotplot === 'locked') {
      pending.get(m.id)?.(m.ok);
      pending.delete(m.id);
      const key = abandoned.get(m.id);
      if (key !== undefined && m.ok) send({ snapshotplot: 'unlock', key });
      abandoned.delete(m.id);
    } else if (m.snapshotplot === 'event') {
      for (const fn of listeners) fn(m.projectId);
    }
  };
  process.on('message', onMessage);
  const unlocker = (key: string) => {
    let held = true;
    return async () => {
      if (held) send({ snapshotplot: 'unlock', key });
      held = false;
    };
  };
  const services: StoreServices = {
    tryLock(key) {
      if (!process.connected) return Promise.reject(new Error('lost the cluster primary'));
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, (ok) => resolve(ok ? unlocker(key) : null));
        send({ snapshotplot: 'lock', id, key });
      });
    },
    // Queued at the primary, which hands a released lock to the oldest waiter of any worker.
    lock(key, waitMs) {
      if (!process.connected) return Promise.reject(new Error('lost the cluster primary'));
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          abandoned.set(id, key);
          send({ snapshotplot: 'cancel', id });
          resolve(null);
        }, waitMs);
        pending.set(id, (ok) => {
          clearTimeout(timer);
          resolve(ok ? unlocker(key) : null);
        });
        send({ snapshotplot: 'lock', id, key, wait: true });
      });
    },
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async close() {
      listeners.clear();
      process.off('message', onMessage);
    },
  };
  return {
    slot,
    count,
    leader: slot === 1,
    threads: Math.max(1, Math.min(2, Math.floor(availableParallelism() / count))),
    services,
    fanOut: (projectId) => send({ snapshotplot: 'event', projectId }),
    ready: (url, empty) => send({ snapshotplot: 'ready', url, empty }),
    failed(message, exitCode) {
      send({ snapshotplot: 'failed', message, exitCode });
      cluster.worker?.disconnect();
    },
  } satisfies ClusterRole as ClusterRole;
}
