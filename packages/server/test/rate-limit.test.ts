import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, startHarness } from './helpers.js';

let h: Harness;
let clock = Date.now();
beforeAll(async () => {
  h = await startHarness({ config: { rateLimitPerMinute: 3 }, now: () => new Date(clock) });
});
afterAll(() => h.close());

describe('--rate-limit-per-minute', () => {
  it('429 rate_limited with Retry-After past the limit, per credential; refills over time', async () => {
    const list = (token?: string) =>
      h.api('GET', `/api/projects/${h.projectId}/snapshots`, token ? { token } : {});
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(200);
    const limited = await list();
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(await errorOf(limited)).toMatchObject({ status: 429, code: 'rate_limited' });
    // Another credential has its own bucket.
    expect((await list(await h.tokenFor(h.projectId, 'reader'))).status).toBe(200);
    clock += 20_000;
    expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(429);
  });
});
