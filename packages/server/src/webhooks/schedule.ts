/**
 * When to try a delivery again. Attempt n (1-based) is made `delays[n-1]` after the previous
 * failure (the first immediately); with jitter so endpoints coming back up are not hit by every
 * queued delivery at once. After the last entry the delivery fails for good.
 */

/** The Standard Webhooks-style schedule: now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_DELAYS_MS = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
];

/** Delay before attempt `next` (2 = first retry), or null when attempts are exhausted. */
export function retryDelay(
  delays: readonly number[],
  next: number,
  random: () => number = Math.random,
): number | null {
  const base = delays[next - 1];
  if (base === undefined) return null;
  // ±20 % jitter.
  return Math.round(base * (0.8 + 0.4 * random()));
}
