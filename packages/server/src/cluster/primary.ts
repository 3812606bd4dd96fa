/**
 * The primary of `serve --workers N`: does once what must happen once (migrations, the secret
 * file, the temp-file sweep), forks N workers that share the listening socket (node:cluster
 * hands connections out round-robin), and then only supervises: it holds the upload and
 * object locks the workers ask for, relays each worker's events to the others, restarts a
 * worker that dies (with a log line, backing off when one keeps dying at start) and, on
 * close, sends every worker SIGTERM so each drains its requests as a single server would.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { LockTable } from '../data/locks.js';
import { openStore } from '../data/open-store.js';
import { CliError } from '../errors.js';
import { loadSecret } from '../secret.js';
import { openStorage, type StorageSettings } from '../storage/open-storage.js';
import { COUNT_ENV, isOurs, SLOT_ENV, type WorkerMessage } from './messages.js';

export interface ClusterOptions {
  workers: number;
  config: ServerConfig;
  storage?: StorageSettings;
  now: () => Date;
  logger: Logger;
}

export interface RunningCluster {
  url: string;
  /** True when the data dir had no project yet (the CLI prints a hint). */
  empty: boolean;
  /** SIGTERM to every worker, then waits for them (SIGKILL after the shutdown timeout). */
  close(): Promise<void>;
}

/** A worker that lived less than this was dying at start: wait before the next try. */
const HEALTHY_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

/** Prepares the install, forks the workers and resolves once every one of them listens. */
export async function startCluster(o: ClusterOptions): Promise<RunningCluster> {
  const { config, logger, workers: count } = o;
  // Once, before any worker: two workers migrating a fresh database or writing the first
  // secret.key at once would race, and a worker sweeping temp files at its start would
  // delete the files of uploads other workers are streaming.
  const store = await openStore(config, { warn: (m) => logger.warn(m) });
  const empty = await store
    .listProjects()
    .then((p) => p.length === 0)
    .finally(() => store.close());
  loadSecret(config.dataDir, config.secret);
  const { swept } = await openStorage(o.storage, {
    dataDir: config.dataDir,
    maxUploadBytes: config.maxUploadBytes,
    now: o.now,
  });
  if (swept) logger.info({ count: swept }, 'removed temp files left by an interrupted upload');

  const locks = new LockTable<number>(); // owners: cluster worker ids
  const waits = new Map<string, () => boolean>(); // `${worker id}:${lock id}` -> cancel
  const live = new Map<number, Worker>(); // slot -> worker
  const failures = new Map<number, number>(); // slot -> quick deaths in a row
  let stopping = false;
  let starting = true;
  let startFailed: (error: Error) => void = () => {};
  const waitingFor = new Set<number>();
  let allReady: () => void = () => {};
  let url = '';

  const handle = (w: Worker, slot: number, m: unknown) => {
    if (!isOurs<WorkerMessage>(m)) return;
    switch (m.snapshotplot) {
      case 'lock': {
        if (!m.wait) {
          w.send({ snapshotplot: 'locked', id: m.id, ok: locks.tryTake(m.key, w.id) });
          break;
        }
        const tag = `${w.id}:${m.id}`;
        let granted = false;
        const cancel = locks.take(m.key, w.id, () => {
          granted = true;
          waits.delete(tag);
          if (w.isConnected()) w.send({ snapshotplot: 'locked', id: m.id, ok: true });
        });
        if (!granted) waits.set(tag, cancel);
        break;
      }
      case 'cancel': {
        const tag = `${w.id}:${m.id}`;
        if (waits.get(tag)?.()) w.send({ snapshotplot: 'locked', id: m.id, ok: false });
        waits.delete(tag);
        break;
      }
      case 'unlock':
        locks.release(m.key, w.id);
        break;
      case 'event':
        for (const other of live.values()) {
          if (other !== w && other.isConnected())
            other.send({ snapshotplot: 'event', projectId: m.projectId });
        }
        break;
      case 'ready':
        url ||= m.url;
        if (!starting) logger.warn({ worker: slot, pid: w.process.pid }, 'worker restarted');
        waitingFor.delete(slot);
        if (waitingFor.size === 0) allReady();
        break;
      case 'failed':
        if (starting) startFailed(new CliError(m.message, m.exitCode));
        else logger.error({ worker: slot, err: m.message }, 'a restarted worker could not start');
        break;
    }
  };

  const fork = (slot: number) => {
    const w = cluster.fork({ [SLOT_ENV]: String(slot), [COUNT_ENV]: String(count) });
    const born = Date.now();
    live.set(slot, w);
    w.on('message', (m) => handle(w, slot, m));
    w.on('exit', (code, signal) => {
      locks.drop(w.id);
      for (const tag of waits.keys()) if (tag.startsWith(`${w.id}:`)) waits.delete(tag);
      if (live.get(slot) === w) live.delete(slot);
      if (stopping) return;
      if (starting) {
        startFailed(
          new CliError(`worker ${slot} exited (${signal ?? `code ${code}`}) before listening.`),
        );
        return;
      }
      const quick = Date.now() - born < HEALTHY_MS;
      const n = quick ? (failures.get(slot) ?? 0) + 1 : 0;
      failures.set(slot, n);
      const delay = n === 0 ? 100 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (n - 1));
      logger.error(
        { worker: slot, pid: w.process.pid, code, signal, restart_in_ms: delay },
        `worker ${slot} exited (${signal ?? `code ${code}`}); restarting it`,
      );
      // A SIGTERM to the whole process group reaches the workers too: if the primary's
      // own shutdown starts meanwhile, the worker stays stopped.
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
    w.on('error', (err) => logger.warn({ worker: slot, err }, 'worker IPC error'));
    return w;
  };

  const stopAll = async () => {
    stopping = true;
    const exits = [...live.entries()].map(
      ([slot, w]) =>
        new Promise<{ slot: number; code: number | null }>((resolve) => {
          if (w.process.exitCode !== null || w.process.signalCode !== null)
            return resolve({ slot, code: w.process.exitCode });
          w.once('exit', (code) => resolve({ slot, code }));
          w.process.kill('SIGTERM');
        }),
    );
    // Each worker bounds its own drain by the shutdown timeout; this is for a stuck one.
    const killer = setTimeout(() => {
      for (const w of live.values()) w.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + 5_000);
    const results = await Promise.all(exits);
    clearTimeout(killer);
    return results;
  };

  cluster.setupPrimary({ silent: false });
  const ready = new Promise<void>((resolve, reject) => {
    allReady = resolve;
    startFailed = reject;
  });
  for (let slot = 1; slot <= count; slot++) {
    waitingFor.add(slot);
    fork(slot);
  }
  try {
    await ready;
  } catch (error) {
    await stopAll();
    throw error;
  }
  starting = false;
  logger.info({ workers: count }, 'all workers listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    empty,
    close() {
      closing ??= (async () => {
        const failed = (await stopAll()).filter((r) => r.code !== 0);
        if (failed.length > 0) {
          throw new Error(
            `worker ${failed.map((f) => `${f.slot} exited with ${f.code ?? 'a signal'}`).join(', ')} during shutdown`,
          );
        }
      })();
      return closing;
    },
  };
}
