/**
 * Typed HTTP errors. Anything thrown in a handler is turned into one status and one
 * `{ error: { code, message } }` body by the error middleware, and nowhere else.
 */
import type { ErrorCode } from '@snapshotplot/api-client/contract';

/** An error with a status, a stable code and a sentence that names the problem and the fix. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 400 with the field path in the message. */
export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'validation_failed', message, details);

/** 401 with the RFC 6750 challenge. */
export function unauthorized(code: ErrorCode, message: string, bearerError?: string): HttpError {
  const challenge = bearerError
    ? `Bearer realm="snapshotplot", error="${bearerError}", error_description="${message.replace(/"/g, "'").replace(/[^\x20-\x7e]/g, '')}"`
    : 'Bearer realm="snapshotplot"';
  return new HttpError(401, code, message, undefined, { 'WWW-Authenticate': challenge });
}

/** 403: the credential is valid but not for this project or role. */
export const forbidden = (message: string, code: ErrorCode = 'forbidden') =>
  new HttpError(403, code, message, undefined, {
    'WWW-Authenticate': 'Bearer realm="snapshotplot", error="insufficient_scope"',
  });

/** 404 for a resource that does not exist or is not visible to the caller. */
export const notFound = (message: string) => new HttpError(404, 'not_found', message);

/** 409 with a specific code. */
export const conflict = (code: ErrorCode, message: string, details?: unknown) =>
  new HttpError(409, code, message, details);

/** 507: a project quota (`project quota`) would be exceeded; nothing was stored. */
export const quotaExceeded = (message: string, details?: unknown) =>
  new HttpError(507, 'quota_exceeded', message, details);

/** Errors raised by a Storage implementation that the HTTP layer maps to client errors. */
export class StorageLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the body is larger than the limit of ${maxBytes} bytes`);
    this.name = 'StorageLimitError';
  }
}

/** The bytes did not hash to the expected sha256; nothing was kept. */
export class StorageChecksumError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the body's sha256 is ${actual}, expected ${expected}`);
    this.name = 'StorageChecksumError';
  }
}

/** The request body ended before Content-Length bytes arrived (client aborted). */
export class ClientAbortedError extends Error {
  constructor() {
    super('the client closed the connection before the body was complete');
    this.name = 'ClientAbortedError';
  }
}

/** The request body did not arrive within its deadline (slow-loris guard); answered 408. */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the request body did not arrive within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** Too many requests without a credential are in flight; answered 503 at once. */
export class ServerBusyError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} unauthenticated requests in flight`);
    this.name = 'ServerBusyError';
  }
}

/**
 * A failure meant for the person at the terminal: one line, never a stack, and the exit code
 * the process ends with. Thrown anywhere; bin.ts is the one place that prints it and exits.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * A setting (flag or environment variable, see settings/) whose value cannot work: bad usage,
 * exit 2. `setting` is the settings key (`storage`, `databaseUrl`, …); the message names the
 * flag, its variables and the fix.
 */
export class ConfigError extends CliError {
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message, 2);
    this.name = 'ConfigError';
  }
}

/** A backend the settings point at (PostgreSQL, the S3 bucket) cannot be used: exit 1. */
export class UnavailableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 1);
    this.name = 'UnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * `export` / `import` refused: the directory, the target database or an artifact is not what
 * it must be. The message says what to do; nothing (more) was written. Exit 1.
 */
export class TransferError extends CliError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'TransferError';
  }
}
