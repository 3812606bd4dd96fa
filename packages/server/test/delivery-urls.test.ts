// Signed delivery URLs (plot_url / code_url) expire within their stated TTL, on a fake clock.
import type { Snapshot } from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReady } from './events-helpers.js';
import { errorOf, type Harness, startHarness } from './helpers.js';

const TTL = 7 * 24 * 3600; // the default --delivery-url-ttl
let h: Harness;
// Mid-window on purpose: any rounding up to a TTL bucket would show as extra days.
let clock = Date.UTC(2026, 0, 7, 13, 37, 11);

beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock) });
});
afterAll(() => h.close());

async function plotUrl(id: string) {
  const snap = (await (await h.api('GET', `/api/snapshots/${id}`)).json()) as Snapshot;
  return new URL(snap.plot_url!);
}

describe('signed delivery URLs', () => {
  it('expire no later than now + TTL and are refused after it', async () => {
    const start = clock;
    const id = await publishReady(h, 'ttl');
    for (const offset of [0, 1000, 3 * 24 * 3600_000 + 12_345]) {
      clock = start + offset;
      const url = await plotUrl(id);
      const expires = Number(url.searchParams.get('expires'));
      const nowS = Math.floor(clock / 1000);
      expect(expires).toBeLessThanOrEqual(nowS + TTL);
      // Rounded to the hour at most (the same URL for an hour keeps it cacheable).
      expect(expires).toBeGreaterThan(nowS + TTL - 3600);
    }
    clock = start;
    const url = await plotUrl(id);
    expect((await fetch(url)).status).toBe(200);
    clock = start + TTL * 1000 + 1000;
    expect(await errorOf(await fetch(url))).toMatchObject({ status: 403, code: 'token_expired' });
    // The snapshot and its plot are still there for a fresh URL.
    expect((await fetch(await plotUrl(id))).status).toBe(200);
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('hand out the same URL within the rounding step (cacheable)', async () => {
    const id = await publishReady(h, 'stable');
    clock = Math.ceil(clock / 3600_000) * 3600_000 + 10_000; // 10 s into an hour
    const a = await plotUrl(id);
    clock += 60_000;
    const b = await plotUrl(id);
    expect(b.href).toBe(a.href);
  });

  it('are never cached past their expiry', async () => {
    const id = await publishReady(h, 'cache');
    const url = await plotUrl(id);
    const expires = Number(url.searchParams.get('expires'));
    // Ten minutes before it expires, a cache may keep the bytes for ten minutes at most.
    clock = (expires - 600) * 1000;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const cc = res.headers.get('cache-control')!;
    expect(cc).not.toMatch(/immutable/);
    expect(Number(/max-age=(\d+)/.exec(cc)![1])).toBeLessThanOrEqual(600);
  });
});
