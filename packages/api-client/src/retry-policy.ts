/**
 * What is retried and how long to wait: exponential backoff with jitter, or the server's
 * Retry-After when it gave one (capped so a confused server cannot stall a CI job for hours).
 * And how a retry is put into words, so a program that waits out an outage can say so.
 */
import { ApiError, NetworkError } from './errors.js';

export interface RetryPolicy {
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** Upper bound on a Retry-After delay. */
  maxRetryAfterMs: number;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  random: () => number;
}

/** Defaults: waits of ~2, 6, 18, 30 s, so five attempts ride out about a minute of outage. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  minRetryDelayMs: 2_000,
  maxRetryDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  random: Math.random,
};

const BACKOFF_FACTOR = 3;

/**
 * Network errors, timeouts, 408, 425, 429 and 5xx; never any other 4xx nor a bad 2xx body.
 * One 409 is transient by definition: `idempotency_key_in_use` means our own earlier attempt
 * (say, one that timed out here) is still running on the server. One 507 is not: a project
 * over its quota stays over it until someone deletes snapshots or raises the limit, so
 * `quota_exceeded` fails at once (a full disk, `insufficient_storage`, may clear and is retried).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) {
    const s = error.status;
    if (s === 409) return error.code === 'idempotency_key_in_use';
    if (s === 507) return error.code !== 'quota_exceeded';
    return s === 408 || s === 425 || s === 429 || s >= 500;
  }
  return false;
}

/** Milliseconds to wait before retry number `retriesConsumed + 1`. */
export function retryDelay(policy: RetryPolicy, error: unknown, retriesConsumed: number): number {
  if (error instanceof ApiError && error.retryAfterMs !== undefined) {
    return Math.min(error.retryAfterMs, policy.maxRetryAfterMs);
  }
  const base = Math.min(
    policy.maxRetryDelayMs,
    policy.minRetryDelayMs * BACKOFF_FACTOR ** retriesConsumed,
  );
  // ±20% jitter so many CI jobs failing together do not retry in lockstep.
  const jittered = base * (0.8 + 0.4 * policy.random());
  return Math.round(Math.min(policy.maxRetryDelayMs, jittered));
}

/** What the transport tells `onRetry` after a failed attempt, before it waits for the next. */
export interface RetryEvent {
  /** The attempt about to be made: 2 for the first retry. */
  attempt: number;
  /** Attempts in all when every retry is needed. */
  attempts: number;
  /** The wait before that attempt (backoff or the server's Retry-After). */
  delayMs: number;
  /** Why the last attempt failed (a NetworkError or a retryable ApiError). */
  error: unknown;
  method: string;
  /** `host/path` of the request, without its query (upload URLs carry their token there). */
  target: string;
}

/** `retrying in 2 s (attempt 2 of 5): Could not reach …`: one line for a log or a terminal. */
export function describeRetry(e: RetryEvent): string {
  return `retrying in ${seconds(e.delayMs)} (attempt ${e.attempt} of ${e.attempts}): ${retryReason(e)}`;
}

function seconds(ms: number): string {
  return ms > 0 && ms < 1_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms / 1_000)} s`;
}

/**
 * The failure in a few words. A contract error body gives the server's own sentence; any other
 * error page only its status, since its full message carries advice meant for the final error.
 */
function retryReason({ error, method, target }: RetryEvent): string {
  if (error instanceof ApiError) {
    const said = error.serverCode !== undefined ? `: ${error.message}` : '';
    return `${method} ${target} answered HTTP ${error.status}${said}`;
  }
  return error instanceof Error && error.message ? error.message : String(error);
}
