/**
 * One HTTP call with retries: the request is rebuilt on every attempt, carries a stable
 * x-request-id plus x-attempt, is bounded by a per-attempt (or idle) timeout, and p-retry
 * retries only what is worth retrying (network errors, 408, 425, 429, 5xx).
 */
import { randomUUID } from 'node:crypto';
import pRetry, { AbortError } from 'p-retry';
import type { z } from 'zod';
import { type Endpoint, HEADERS } from './contract.js';
import { ApiError, NetworkError } from './errors.js';
import { describeUrl, errorFromResponse, parseSuccess } from './response.js';
import { isRetryable, type RetryEvent, type RetryPolicy, retryDelay } from './retry-policy.js';
import { AttemptTimer } from './timer.js';
import { startTiming, type TimingEvent } from './timing.js';

export interface TransportConfig extends RetryPolicy {
  fetch: typeof globalThis.fetch;
  token?: string;
  userAgent: string;
  retries: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Told before each wait between attempts; the client itself never prints. */
  onRetry?: (event: RetryEvent) => void;
  /** Told after each answered attempt how long it took (connect, first byte, total). */
  onTiming?: (event: TimingEvent) => void;
}

export interface CallSpec<T> {
  method: Endpoint['method'];
  url: string;
  /** Send the bearer token (not to upload URLs, which carry their own token). */
  auth: boolean;
  headers?: Record<string, string>;
  /** Builds a fresh body for each attempt; `touch` restarts an idle timeout. */
  body?: (touch: () => void) => Body | Promise<Body>;
  /** 'idle': the timeout restarts whenever body bytes flow (uploads of any size). */
  timeout?: 'attempt' | 'idle';
  /** The success answers the endpoint declares: a schema per 2xx status (see endpoint.ts). */
  responses: Readonly<Record<number, z.ZodType<T>>>;
}

export interface CallResult<T> {
  status: number;
  data: T;
  requestId: string;
}

type Body = RequestInit['body'] | undefined;

/** Thrown by a body builder whose source cannot be read a second time: stop retrying. */
export class BodyNotRepeatableError extends Error {}

/** Performs calls as `config` says; returns parsed 2xx bodies, throws ApiError/NetworkError. */
export async function call<T>(config: TransportConfig, spec: CallSpec<T>): Promise<CallResult<T>> {
  const requestId = randomUUID();
  let lastError: unknown;
  let attempts = 0;
  const attempt = async (n: number): Promise<CallResult<T>> => {
    attempts = n;
    const timer = new AttemptTimer(config.timeoutMs, spec.timeout === 'idle');
    try {
      return await once(config, spec, requestId, n, timer);
    } catch (error) {
      if (error instanceof BodyNotRepeatableError)
        throw new AbortError(toError(lastError ?? error));
      lastError = error;
      throw error;
    } finally {
      timer.clear();
    }
  };
  try {
    return await pRetry(attempt, {
      retries: config.retries,
      // p-retry's own timer is off: the delay (backoff or Retry-After) is slept in shouldRetry
      // through the injectable `sleep`, so tests run in milliseconds.
      minTimeout: 0,
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (!isRetryable(error)) return false;
        const delayMs = retryDelay(config, error, retriesConsumed);
        notify(config, {
          attempt: retriesConsumed + 2,
          attempts: config.retries + 1,
          delayMs,
          error,
          method: spec.method,
          target: describeUrl(spec.url),
        });
        await config.sleep(delayMs);
        return true;
      },
    });
  } catch (error) {
    throw finalError(error, attempts, config.timeoutMs);
  }
}

/** A listener that throws (a closed stderr, say) must not change the call's outcome. */
function notify(config: TransportConfig, event: RetryEvent): void {
  try {
    config.onRetry?.(event);
  } catch {
    // The retry goes ahead; the listener only missed one line.
  }
}

async function once<T>(
  config: TransportConfig,
  spec: CallSpec<T>,
  requestId: string,
  n: number,
  timer: AttemptTimer,
): Promise<CallResult<T>> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': config.userAgent,
    [HEADERS.requestId]: requestId,
    [HEADERS.attempt]: String(n),
    ...spec.headers,
  };
  if (spec.auth && config.token) headers.authorization = `Bearer ${config.token}`;
  const body = await spec.body?.(timer.touch);
  const init: RequestInit & { duplex?: 'half' } = {
    method: spec.method,
    headers,
    signal: timer.signal,
  };
  if (body != null && typeof body !== 'string') {
    // fetch clones a request it may have to redirect, and cloning tees a streamed body: the
    // unread branch would buffer the whole file in memory. A streamed body can never be
    // replayed to a redirect target anyway, so refuse redirects for these requests.
    init.redirect = 'error';
    if (body instanceof ReadableStream) init.duplex = 'half';
  }
  if (body != null) init.body = body;
  let res: Response;
  let text: string;
  const timing = config.onTiming ? startTiming(spec.url) : undefined;
  try {
    res = await config.fetch(spec.url, init);
    timing?.firstByte();
    text = await res.text();
  } catch (error) {
    if (init.redirect === 'error' && /redirect/i.test(reason(error))) {
      // A redirect answered to a streamed request will be answered again: do not retry it.
      throw new AbortError(
        new NetworkError(
          'network_error',
          `${describeUrl(spec.url)} answered with a redirect, which a streamed upload cannot ` +
            'follow; use the final address (https://…, no trailing redirects) as the API URL',
          { cause: error, requestId },
        ),
      );
    }
    throw networkError(error, timer, spec, requestId);
  }
  if (timing) {
    const event = {
      method: spec.method,
      target: describeUrl(spec.url),
      status: res.status,
      attempt: n,
      requestId,
      ...timing.finish(),
    };
    try {
      config.onTiming?.(event);
    } catch {
      // Like onRetry: a listener that throws does not change the call's outcome.
    }
  }
  if (!res.ok) throw errorFromResponse(res, text, spec.url, requestId);
  return {
    status: res.status,
    data: parseSuccess(spec.responses, res, text, spec.url, requestId),
    requestId,
  };
}

function networkError(
  error: unknown,
  timer: AttemptTimer,
  spec: CallSpec<unknown>,
  requestId: string,
) {
  if (error instanceof ApiError || error instanceof NetworkError) return error;
  if (timer.timedOut) {
    return new NetworkError('timeout', `${spec.method} ${describeUrl(spec.url)} timed out`, {
      cause: error,
      requestId,
    });
  }
  return new NetworkError(
    'network_error',
    `Could not reach ${describeUrl(spec.url)}: ${reason(error)}`,
    {
      cause: error,
      requestId,
    },
  );
}

/** The error the caller sees, with the attempt count and what to do for network failures. */
function finalError(error: unknown, attempts: number, timeoutMs: number) {
  if (!(error instanceof NetworkError)) return error;
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const message =
    error.code === 'timeout'
      ? `${error.message} after ${timeoutMs} ms${tries}. The server did not answer in time; ` +
        'try again later or raise the timeout.'
      : `${error.message}${tries}. Check the API URL, your network and proxy settings ` +
        '(HTTPS_PROXY, NO_PROXY), then try again.';
  return new NetworkError(error.code, message, {
    cause: error.cause,
    ...(error.requestId ? { requestId: error.requestId } : {}),
  });
}

/** The most specific words in a fetch failure: `connect ECONNREFUSED 127.0.0.1:1`. */
function reason(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } })?.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error instanceof Error && error.message ? error.message : String(error);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
