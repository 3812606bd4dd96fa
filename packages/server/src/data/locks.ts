/**
 * Named locks with waiters served first come, first served. A release hands the lock straight
 * to the oldest waiter, so nobody can take it in between: not a later caller in the same
 * process, and not the releasing process itself. That is what keeps `serve --workers` fair.
 * Before, each worker polled the primary with a 2 → 100 ms backoff. The worker that held a
 * busy object's lock gave it to its own next waiter long before the other worker polled again,
 * so the other worker starved (bench/README.md, "Sixth pass").
 *
 * Used for the in-process locks of one SQLite process, by the primary of `serve --workers` for
 * all its workers (the owner is a worker), and to order one PostgreSQL process's waiters
 * before they ask the server for the advisory lock (pg-session.ts).
 */
/** Releases a lock (taken with a store's `tryLock` or `lock`); a second call does nothing. */
export type Unlock = () => Promise<void>;

interface Waiter<O> {
  owner: O;
  granted: () => void;
}

export class LockTable<O> {
  readonly #keys = new Map<string, { owner: O; queue: Waiter<O>[] }>();

  /** Takes `key` for `owner` if nobody holds it; false if someone does. */
  tryTake(key: string, owner: O): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.set(key, { owner, queue: [] });
    return true;
  }

  /**
   * Takes `key` for `owner` now, or queues `owner` until it is its turn; `granted` runs when
   * `owner` holds the lock (synchronously when the lock was free). Returns the cancel: true if
   * it removed the waiter before its turn, false if the lock was already granted.
   */
  take(key: string, owner: O, granted: () => void): () => boolean {
    const held = this.#keys.get(key);
    if (!held) {
      this.#keys.set(key, { owner, queue: [] });
      granted();
      return () => false;
    }
    const waiter = { owner, granted };
    held.queue.push(waiter);
    return () => {
      const at = this.#keys.get(key)?.queue.indexOf(waiter) ?? -1;
      if (at < 0) return false;
      this.#keys.get(key)?.queue.splice(at, 1);
      return true;
    };
  }

  /** Releases `key` if `owner` holds it, handing it to the oldest waiter. Else does nothing. */
  release(key: string, owner: O): void {
    const held = this.#keys.get(key);
    if (!held || held.owner !== owner) return;
    const next = held.queue.shift();
    if (!next) {
      this.#keys.delete(key);
      return;
    }
    held.owner = next.owner;
    next.granted();
  }

  /** Forgets `owner`'s waiters and releases what it holds (a worker that died). */
  drop(owner: O): void {
    for (const [key, held] of [...this.#keys]) {
      held.queue = held.queue.filter((w) => w.owner !== owner);
      this.release(key, owner);
    }
  }
}

/**
 * Waits up to `waitMs` for `key` in `table` for a new owner of its own. Resolves to its
 * release, or to null if it was not had in time.
 */
export function waitForLock(
  table: LockTable<object>,
  key: string,
  waitMs: number,
): Promise<Unlock | null> {
  const owner = {};
  const unlock: Unlock = async () => table.release(key, owner);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let had = false;
    const cancel = table.take(key, owner, () => {
      had = true;
      clearTimeout(timer);
      resolve(unlock);
    });
    if (had) return;
    timer = setTimeout(() => {
      if (cancel()) resolve(null);
    }, waitMs);
  });
}

/** Takes `key` in `table` if it is free, for a new owner of its own. */
export function tryTakeLock(table: LockTable<object>, key: string): Unlock | null {
  const owner = {};
  return table.tryTake(key, owner) ? async () => table.release(key, owner) : null;
}
