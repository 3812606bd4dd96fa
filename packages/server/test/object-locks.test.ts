/**
 * The object lock's waiters in one process (storage/objects.ts): served in arrival order by
 * a queue, not by a polling race, so many uploads of the same bytes at once all finish
 * promptly (bench publish-rate uploads one PNG for every snapshot).
 */
import { describe, expect, it } from 'vitest';
import { withObjects } from '../src/storage/objects.js';
import type { Storage } from '../src/storage/storage.js';

/** An in-process tryLock like SQLite's, and a transaction that counts one reference. */
function fakeDeps() {
  const held = new Set<string>();
  const store = {
    async tryLock(key: string) {
      if (held.has(key)) return null;
      held.add(key);
      return async () => {
        held.delete(key);
      };
    },
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
