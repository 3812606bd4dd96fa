/**
 * In-process wake-ups after an event is committed: SSE streams of the project re-read the log,
 * the webhook worker polls the queue. Rows are the truth; a lost wake-up only delays until the
 * next one (or the worker's poll), so nothing is carried in the signal itself.
 *
 * Other processes' events arrive through `wake` (PostgreSQL LISTEN/NOTIFY, or the primary
 * relaying another `serve --workers` worker's `fanOut`) and are not sent on again.
 */
import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';

export interface EventNotifier {
  /** Call after the transaction that logged events for `projectId` committed. */
  notify(projectId: string): void;
  /** Wakes this process's listeners for an event another process committed (no fan-out). */
  wake(projectId: string): void;
  /** Runs `fn` on every event of the project; returns the unsubscribe function. */
  subscribe(projectId: string, fn: () => void): () => void;
  /** Runs `fn` on every event of any project (the webhook worker). */
  onAny(fn: () => void): () => void;
  /** Registers an open stream to end on shutdown; returns the unregister function. */
  track(close: () => void): () => void;
  /** Ends every open stream (SIGTERM must not wait for long-lived connections). */
  closeAll(): void;
}

export interface NotifierOptions {
  /** Tells the other processes sharing the database (cluster workers on SQLite) of an event. */
  fanOut?: (projectId: string) => void;
}

/** A notifier over one EventEmitter. */
export function createNotifier(o: NotifierOptions = {}): EventNotifier {
  const emitter = new EventEmitter();
  // One listener per open stream: many tabs are normal, not a leak.
  emitter.setMaxListeners(0);
  const open = new Set<() => void>();
  let closed = false;
  const wake = (projectId: string) => {
    emitter.emit(`project:${projectId}`);
    emitter.emit('any');
  };
  return {
    notify(projectId) {
      wake(projectId);
      o.fanOut?.(projectId);
    },
    wake,
    // A listener runs in its subscriber's async context, not the notifying request's: the
    // worker's poll is not that request's work (statement-count.ts attributes by context).
    subscribe(projectId, fn) {
      const bound = AsyncResource.bind(fn);
      emitter.on(`project:${projectId}`, bound);
      return () => emitter.off(`project:${projectId}`, bound);
    },
    onAny(fn) {
      const bound = AsyncResource.bind(fn);
      emitter.on('any', bound);
      return () => emitter.off('any', bound);
    },
    track(close) {
      // A stream that connects while the server shuts down ends at once.
      if (closed) {
        close();
        return () => {};
      }
      open.add(close);
      return () => open.delete(close);
    },
    closeAll() {
      closed = true;
      for (const close of [...open]) close();
      open.clear();
    },
  };
}
