/**
 * Optional per-principal rate limit (token bucket, in memory: one process owns the SQLite
 * file). Off unless --rate-limit-per-minute is set; over it: 429 with Retry-After.
 */
import { HttpError } from '../errors.js';

export interface RateLimiter {
  /** Takes one request from the principal's bucket or throws 429 rate_limited. */
  take(key: string, nowMs: number): void;
}

/** A limiter allowing `perMinute` requests a minute (bursts up to that many). */
export function createRateLimiter(perMinute: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    take(key, nowMs) {
      const b = buckets.get(key) ?? { tokens: perMinute, at: nowMs };
      b.tokens = Math.min(perMinute, b.tokens + (nowMs - b.at) * ratePerMs);
      b.at = nowMs;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      const wait = Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000));
      throw new HttpError(
        429,
        'rate_limited',
        `Too many requests for this credential (limit ${perMinute}/minute): retry after ${wait} s.`,
        undefined,
        { 'Retry-After': String(wait) },
      );
    },
  };
}
