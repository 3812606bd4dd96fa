import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS_MS, retryDelay } from '../src/webhooks/schedule.js';
import {
  checkResolvedTarget,
  guardedLookup,
  isPublicAddress,
  PrivateTargetError,
} from '../src/webhooks/url-policy.js';

describe('webhook target policy', () => {
  it('only public unicast addresses are public', () => {
    for (const ip of [
      '127.0.0.1',
      '10.2.3.4',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888']) {
      expect(isPublicAddress(ip), ip).toBe(true);
    }
  });

  it('the connect-time lookup fails for a host name that resolves to loopback', async () => {
    const err = await new Promise<unknown>((resolve) =>
      guardedLookup('localhost', { all: true }, (e) => resolve(e)),
    );
    expect(err).toBeInstanceOf(PrivateTargetError);
    expect((err as Error).message).toMatch(/--allow-private-webhooks/);
    await expect(checkResolvedTarget(new URL('http://[::ffff:7f00:1]/'))).rejects.toBeInstanceOf(
      PrivateTargetError,
    );
  });
});

describe('retry schedule', () => {
  it('now, 5 s, 5 min, 30 min, 2 h, … with ±20 % jitter, then gives up', () => {
    expect(DEFAULT_RETRY_DELAYS_MS.slice(0, 5)).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000]);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 2, () => 0)).toBe(4_000);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 2, () => 0.999999)).toBe(6_000);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 3, () => 0.5)).toBe(300_000);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, DEFAULT_RETRY_DELAYS_MS.length + 1)).toBeNull();
    expect(Math.max(...DEFAULT_RETRY_DELAYS_MS)).toBe(10 * 3600_000);
  });
});
