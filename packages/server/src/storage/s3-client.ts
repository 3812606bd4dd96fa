/**
 * Where an S3-compatible store is and how to talk to it: `s3://bucket/prefix` plus endpoint,
 * region, path-style and credentials from flags or the usual AWS environment variables.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { CliError } from '../errors.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string;
}

export interface S3Settings {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  /** Per call (see createS3Client); default DEFAULT_S3_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** How long one S3 call may go unanswered before it is given up (503 storage_unavailable). */
export const DEFAULT_S3_TIMEOUT_MS = 30_000;

/** Parses `s3://bucket/optional/prefix`; CliError (exit 2) names the expected shape. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url.trim());
  const prefix = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (!m || !/^[A-Za-z0-9_./-]*$/.test(prefix) || prefix.includes('..')) {
    throw new CliError(
      `Invalid --storage "${url}": use s3://BUCKET or s3://BUCKET/PREFIX (lower-case bucket name; prefix of letters, digits, _ . - /).`,
      2,
    );
  }
  return { bucket: m[1]!, prefix };
}

/**
 * The S3 client: explicit settings win over AWS_* variables; the SDK's chain does the rest.
 * Every request gets `timeoutMs` to connect and then may be idle (no byte either way) at
 * most that long: an idle, not a total, limit, so a large part that keeps moving is never cut,
 * while a store that accepts and never answers is given up. S3Storage adds a total deadline
 * to the calls that carry no streamed body.
 */
export function createS3Client(s: S3Settings, env: Record<string, string | undefined>): S3Client {
  const endpoint = s.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = s.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const key = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  return new S3Client({
    region,
    ...(endpoint ? { endpoint } : {}),
    // Most self-hosted stores (radosgw, MinIO, s3rver) have no wildcard DNS for buckets.
    forcePathStyle: s.pathStyle ?? Boolean(endpoint),
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
    ...(key && secret
      ? {
          credentials: {
            accessKeyId: key,
            secretAccessKey: secret,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });
}

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
