import { describe, expect, it } from 'vitest';
import { runPool } from '../src/publish/pool.js';

describe('runPool', () => {
  it('never runs more than the limit at once and keeps outcomes in input order', async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await runPool([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(outcomes).toEqual(
      [10, 50, 40, 20, 30].map((_, i) => ({ ok: true, value: [50, 10, 40, 20, 30][i] })),
    );
  });

  it('starts nothing new after a failure and marks the rest as skipped', async () => {
    const started: number[] = [];
    const outcomes = await runPool([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('boom');
      return n;
    });
    expect(started).toEqual([1, 2]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.any(Error) });
    expect(outcomes.slice(2)).toEqual([
      { ok: false, skipped: true },
      { ok: false, skipped: true },
    ]);
  });
});
