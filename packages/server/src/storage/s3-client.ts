/**
 * The S3 client for an S3-compatible store. How to reach it (endpoint, region, path style,
 * credentials) is resolved by the settings (settings/storage.ts): nothing here reads the
 * environment.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { type S3Settings, s3SettingsFromEnv } from '../settings/storage.js';

export type { S3Settings } from '../settings/storage.js';
export { parseS3Url, type S3Location } from './s3-url.js';

/** How long one S3 call may go unanswered before it is given up (503 storage_unavailable). */
export const DEFAULT_S3_TIMEOUT_MS = 30_000;

/**
 * The S3 client. Every request gets `timeoutMs` to connect and then may be idle (no byte
 * either way) at most that long: an idle, not a total, limit, so a large part that keeps
 * moving is never cut, while a store that accepts and never answers is given up. S3Storage
 * adds a total deadline to the calls that carry no streamed body.
 *
 * `env`, when given, fills what `settings` leaves out the way the settings would (for test
 * helpers that have only the environment); the server passes resolved settings alone.
 */
export function createS3Client(
  settings: S3Settings,
  env?: Record<string, string | undefined>,
): S3Client {
  const s = env ? { ...s3SettingsFromEnv(env), ...definedOnly(settings) } : settings;
  return new S3Client({
    region: s.region ?? 'us-east-1',
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.pathStyle ?? Boolean(s.endpoint),
    // Without these the SDK adds flexible checksums (trailers) that streamed bodies and
    // older S3-compatible stores do not handle (radosgw 16 rejects them; s3rver corrupts).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: s.timeoutMs ?? DEFAULT_S3_TIMEOUT_MS,
      socketTimeout: s.timeoutMs ?? DEFAULT_S3_TIMEOUT_MS,
    },
    // Without explicit keys the SDK's default chain applies (profiles, SSO, instance roles).
    ...(s.credentials ? { credentials: s.credentials } : {}),
  });
}

const definedOnly = (s: S3Settings): S3Settings =>
  Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));

/** Whether an SDK error means "no such object". */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** The SDK's idle/connect timeout, or the deadline S3Storage put on a call. */
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * A failure of the object store, carrying the errno-style code the error middleware maps:
 * EDQUOT (quota) -> 507; ETIMEDOUT (no answer in time) and anything else (EIO) -> 503
 * storage_unavailable (with Retry-After).
 */
export class S3StorageError extends Error {
  readonly code: string;
  constructor(action: string, cause: unknown) {
    const e = cause as { name?: string; message?: string };
    // The SDK says "UnknownError" when the store's error body has no message: the name suffices.
    const detail = e?.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
    super(`S3 ${action} failed: ${e?.name ?? 'Error'}${detail}`, { cause });
    this.name = 'S3StorageError';
    this.code = e?.name === 'QuotaExceeded' ? 'EDQUOT' : isTimeout(cause) ? 'ETIMEDOUT' : 'EIO';
  }
}
