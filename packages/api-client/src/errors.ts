/**
 * The client's three error classes. Callers branch on the class and on `code`; `message` is a
 * sentence for people that names the problem and what to do about it.
 */

import { ERROR_CODES, type ErrorCode } from './schemas.js';

/**
 * Codes the client gives an error response itself, when its body is not a contract error:
 * a proxy's page named by its status (`bad_gateway`, `http_418`, …), a 2xx body that fails the
 * schema (`invalid_response`), a status the endpoint does not declare (`unexpected_status`),
 * or a contract error body whose code this client does not know (`unknown_error`).
 */
export type ClientErrorCode =
  | 'bad_request'
  | 'unprocessable_entity'
  | 'too_early'
  | 'bad_gateway'
  | 'service_unavailable'
  | 'gateway_timeout'
  | 'server_error'
  | `http_${number}`
  | 'invalid_response'
  | 'unexpected_status'
  | 'unknown_error';

/** What `ApiError.code` can be: one of the contract's ERROR_CODES or a ClientErrorCode. */
export type ApiErrorCode = ErrorCode | ClientErrorCode;

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** A server's `error.code` as an ApiErrorCode: a code this client does not know is 'unknown_error'. */
export function knownCode(code: string): ErrorCode | 'unknown_error' {
  return KNOWN_CODES.has(code) ? (code as ErrorCode) : 'unknown_error';
}

/**
 * HTTP error answered by the server (after retries for retryable ones). Branch on `code`;
 * `serverCode` is the code exactly as a contract error body gave it, also one this client
 * does not know (a newer server), which `code` names 'unknown_error'.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: ApiErrorCode;
  /** `error.code` as the server sent it, when the body was a contract error body. */
  readonly serverCode?: string;
  readonly requestId?: string;
  /** Server-supplied `error.details`, when any. */
  readonly details?: unknown;
  /** Delay asked for by a `Retry-After` header, in milliseconds (used by the retry policy). */
  readonly retryAfterMs?: number;

  constructor(o: {
    status: number;
    code: ApiErrorCode;
    message: string;
    serverCode?: string;
    requestId?: string;
    details?: unknown;
    retryAfterMs?: number;
  }) {
    super(o.message);
    this.status = o.status;
    this.code = o.code;
    if (o.serverCode !== undefined) this.serverCode = o.serverCode;
    if (o.requestId !== undefined) this.requestId = o.requestId;
    if (o.details !== undefined) this.details = o.details;
    if (o.retryAfterMs !== undefined) this.retryAfterMs = o.retryAfterMs;
  }
}

export type NetworkErrorCode = 'network_error' | 'timeout';

/** Could not reach the server / timed out, after retries. code = 'network_error' | 'timeout'. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  readonly code: NetworkErrorCode;
  readonly requestId?: string;

  constructor(
    code: NetworkErrorCode,
    message: string,
    o: { cause?: unknown; requestId?: string } = {},
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.code = code;
    if (o.requestId !== undefined) this.requestId = o.requestId;
  }
}

export type InputErrorCode =
  | 'file_not_found'
  | 'file_unreadable'
  | 'file_too_large'
  | 'unsupported_file_type'
  | 'file_changed'
  | 'invalid_metadata';

/**
 * Bad local input, found before any request or, for 'file_changed' (a file rewritten after
 * it was hashed), before or during its upload. code: 'file_not_found' | 'file_unreadable' |
 * 'file_too_large' | 'unsupported_file_type' | 'file_changed' | 'invalid_metadata'; `path`
 * names the file.
 */
export class InputError extends Error {
  override name = 'InputError';
  readonly code: InputErrorCode;
  readonly path?: string;

  constructor(code: InputErrorCode, message: string, o: { path?: string; cause?: unknown } = {}) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.code = code;
    if (o.path !== undefined) this.path = o.path;
  }
}

/** The first few zod issues as `field message; field message` for error messages. */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  root = '(body)',
): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : root}: ${i.message}`)
    .join('; ');
}

/** The InputError for metadata that fails the contract, naming the fields. */
export function invalidMetadata(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): InputError {
  return new InputError(
    'invalid_metadata',
    `Invalid snapshot metadata: ${describeIssues(issues, '(metadata)')}. Fix these fields.`,
  );
}
