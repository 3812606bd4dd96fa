/**
 * The object lock's waiters in one process (storage/objects.ts over data/locks.ts): served
 * in arrival order by a queue, not by a polling race, so many uploads of the same bytes at
 * once all finish promptly (bench publish-rate uploads one PNG for every snapshot). And the
 * lock table the primary of `serve --workers` keeps for all workers: a release goes to the
 * oldest waiter of any owner, never back to the owner that released it.
 */
import { describe, expect, it } from 'vitest';
import { LockTable, waitForLock } from '../src/data/locks.js';
import { withObjects } from '../src/storage/objects.js';
import type { Storage } from '../src/storage/storage.js';

/** The in-process locks of one SQLite process, and a transaction that counts one reference. */
function fakeDeps() {
  const locks = new LockTable<object>();
  const store = {
    lock: (key: string, waitMs: number) => waitForLock(locks, key, waitMs),
    async transaction<T>(fn: (tx: never) => Promise<T>): Promise<T> {
      return fn({ lockObjectRefs: async () => {}, countObjectRefs: async () => 1 } as never);
    },
  };
  const storage = { delete: async () => {} } as unknown as Storage;
  return { store, storage } as Parameters<typeof withObjects>[0];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('object locks', () => {
  it('serves the waiters of one object in arrival order, one at a time', async () => {
    const deps = fakeDeps();
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withObjects(deps, ['objects/p/ab/same'], async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(i);
          await sleep(3);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('an early waiter is not overtaken by a later one, and gets the lock as it is released', async () => {
    const deps = fakeDeps();
    const key = 'objects/p/ab/same';
    const order: string[] = [];
    let releasedAt = 0;
    let earlyGotIt = 0;
    const holder = withObjects(deps, [key], async () => {
      await sleep(250);
      releasedAt = Date.now();
    });
    await sleep(1);
    const early = withObjects(deps, [key], async () => {
      earlyGotIt = Date.now();
      order.push('early');
    });
    await sleep(180); // the early waiter has been waiting long; a late one arrives
    const late = withObjects(deps, [key], async () => {
      order.push('late');
    });
    await Promise.all([holder, early, late]);
    expect(order).toEqual(['early', 'late']);
    expect(earlyGotIt - releasedAt).toBeLessThan(50);
  });

  it('a waiter whose holder fails still gets the lock; other objects do not wait', async () => {
    const deps = fakeDeps();
    const failing = withObjects(deps, ['objects/p/ab/k'], async () => {
      await sleep(5);
      throw new Error('refused');
    });
    const other = withObjects(deps, ['objects/p/cd/other'], async () => 'other');
    const next = withObjects(deps, ['objects/p/ab/k'], async () => 'next');
    await expect(failing).rejects.toThrow('refused');
    expect(await Promise.all([other, next])).toEqual(['other', 'next']);
  });
});

describe('lock table', () => {
  it('hands a released lock to the oldest waiter, not to its holder asking again', () => {
    const table = new LockTable<string>();
    const got: string[] = [];
    expect(table.tryTake('k', 'A')).toBe(true);
    table.take('k', 'B', () => got.push('B'));
    table.take('k', 'A', () => got.push('A second'));
    expect(table.tryTake('k', 'C')).toBe(false);
    table.release('k', 'A'); // to B, though A asked again
    expect(got).toEqual(['B']);
    table.take('k', 'A', () => got.push('A third'));
    table.release('k', 'A'); // not A's now: nothing happens
    expect(got).toEqual(['B']);
    table.release('k', 'B');
    table.release('k', 'A');
    expect(got).toEqual(['B', 'A second', 'A third']);
    table.release('k', 'A');
    expect(table.tryTake('k', 'C')).toBe(true);
  });

  it('a cancelled waiter is skipped; a cancel after the grant says so', () => {
    const table = new LockTable<string>();
    const got: string[] = [];
    table.tryTake('k', 'A');
    const cancelB = table.take('k', 'B', () => got.push('B'));
    const cancelC = table.take('k', 'C', () => got.push('C'));
    expect(cancelB()).toBe(true);
    table.release('k', 'A');
    expect(got).toEqual(['C']);
    expect(cancelC()).toBe(false);
    expect(table.take('k', 'D', () => got.push('D'))).toBeTypeOf('function');
    table.release('k', 'C');
    expect(got).toEqual(['C', 'D']);
  });

  it('dropping an owner (a worker that died) releases its locks and forgets its waits', () => {
    const table = new LockTable<string>();
    const got: string[] = [];
    table.tryTake('held', 'dead');
    table.take('held', 'live', () => got.push('held'));
    table.tryTake('other', 'live');
    table.take('other', 'dead', () => got.push('dead got other'));
    table.drop('dead');
    expect(got).toEqual(['held']);
    table.release('other', 'live');
    expect(got).toEqual(['held']);
    expect(table.tryTake('other', 'x')).toBe(true);
  });

  it('a wait that runs out resolves null and is not granted later', async () => {
    const table = new LockTable<object>();
    const first = await waitForLock(table, 'k', 10);
    expect(first).toBeTypeOf('function');
    expect(await waitForLock(table, 'k', 20)).toBeNull();
    const next = waitForLock(table, 'k', 1000);
    await first!();
    const unlock = await next;
    expect(unlock).toBeTypeOf('function');
    await unlock!();
    await unlock!(); // twice is harmless
    expect(await waitForLock(table, 'k', 10)).toBeTypeOf('function');
  });
});
