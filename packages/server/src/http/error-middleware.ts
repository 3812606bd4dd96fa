/** The one place where failures become a status and `{ error: { code, message } }`. */
import type { ErrorCode } from '@snapshotplot/api-client/contract';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  ClientAbortedError,
  HttpError,
  RequestTimeoutError,
  ServerBusyError,
  StorageChecksumError,
  StorageLimitError,
} from '../errors.js';
import { closeAfterAnswer } from './lingering-close.js';
import { allowedMethods } from './method-not-allowed.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const UNAVAILABLE = new Set([
  'EIO',
  // An S3 call that got no answer within --s3-timeout-ms (storage/s3-client.ts).
  'ETIMEDOUT',
  'EROFS',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

/** Maps anything thrown to an HttpError (unknown errors become 500 internal_error). */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StorageLimitError) {
    return new HttpError(
      413,
      'payload_too_large',
      `The upload is larger than the server's limit of ${err.maxBytes} bytes: make the file smaller or raise --max-upload-bytes.`,
    );
  }
  if (err instanceof StorageChecksumError) {
    return new HttpError(
      400,
      'checksum_mismatch',
      `The uploaded bytes have sha256 ${err.actual}, but ${err.expected} was expected: upload the same file that was hashed for publish.`,
    );
  }
  if (err instanceof RequestTimeoutError) {
    return new HttpError(
      408,
      'request_timeout',
      `The request body did not arrive within ${err.timeoutMs / 1000} s: check the connection and retry, or have the server's --body-timeout-ms (uploads: --upload-timeout-ms) raised.`,
      undefined,
      { Connection: 'close' },
    );
  }
  if (err instanceof ServerBusyError) {
    return new HttpError(
      503,
      'server_busy',
      `The server is answering ${err.limit} requests without credentials already: retry after Retry-After seconds, or send your token (authenticated requests are not limited this way).`,
      undefined,
      { 'Retry-After': '5', Connection: 'close' },
    );
  }
  const e = err as { type?: string; code?: string; status?: number };
  if (e?.type === 'entity.too.large') {
    return new HttpError(
      413,
      'payload_too_large',
      'The JSON body is larger than 1 MiB: send less metadata.',
    );
  }
  if (e?.type === 'entity.parse.failed') {
    return new HttpError(
      400,
      'invalid_json',
      'The request body is not valid JSON: check the syntax.',
    );
  }
  if (e?.type === 'request.size.invalid') {
    return new HttpError(
      400,
      'validation_failed',
      'The request body is shorter or longer than its Content-Length: send the whole body with a matching Content-Length.',
    );
  }
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return new HttpError(
      415,
      'unsupported_media_type',
      'Send the JSON body as UTF-8 without a content encoding.',
    );
  }
  if (e?.code && FULL.has(e.code)) {
    return new HttpError(
      507,
      'insufficient_storage',
      'The server is out of storage space: retry later or ask the operator to free disk space.',
      undefined,
      { 'Retry-After': '60' },
    );
  }
  if (e?.code && (UNAVAILABLE.has(e.code) || e.code.startsWith('SQLITE_BUSY'))) {
    return new HttpError(
      503,
      'storage_unavailable',
      'The server could not reach its storage: retry in a moment.',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  return new HttpError(
    500,
    'internal_error',
    'The server failed unexpectedly: retry, and report it with the x-request-id if it persists.',
  );
}

/** Error body helper for non-thrown answers. */
export const errorBody = (code: ErrorCode, message: string, details?: unknown) => ({
  error: { code, message, ...(details === undefined ? {} : { details }) },
});

/** A body read that failed because the client disconnected (body-parser, busboy, storage). */
function clientWentAway(err: unknown, req: { complete: boolean; destroyed: boolean }): boolean {
  const e = err as { code?: string; type?: string };
  if (err instanceof ClientAbortedError || e?.code === 'ECONNRESET') return true;
  if (e?.type === 'request.aborted') return true;
  // The body never completed and the socket is gone: what failed next (a stream closing
  // early, the JSON parser finding no body) is the client's doing, unless it is a fault of ours.
  if (req.complete || !req.destroyed) return false;
  if (e?.type === 'stream.not.readable' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
  return toHttpError(err).status < 500;
}

export const errorMiddleware: ErrorRequestHandler = (err, req, res, _next) => {
  if (clientWentAway(err, req)) {
    // Not a fault of ours: one info line, no stack, and nobody left to answer.
    req.log?.info({ reason: (err as Error)?.message }, 'client aborted the request');
    if (!res.headersSent) res.destroy();
    return;
  }
  const h = toHttpError(err);
  // server_busy is load shedding, not a fault: logging each one at error would flood the log.
  // A quota refusal is the client's limit, not a server fault: no error log with a stack.
  if (h.status >= 500 && h.code !== 'server_busy' && h.code !== 'quota_exceeded')
    req.log?.error({ err }, 'request failed');
  else req.log?.debug({ code: h.code }, h.message);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.set(h.headers);
  // The body may be unread (an early 4xx on an upload): do not keep the connection for reuse,
  // but close it gently (lingering-close.ts) unless the answer itself cuts (408, 503).
  if (!req.complete && h.headers.Connection !== 'close') closeAfterAnswer(req, res);
  res.status(h.status).json(errorBody(h.code, h.message, h.details));
};

export const notFoundHandler: RequestHandler = (req, res) => {
  const allow = allowedMethods(req.path);
  if (allow.length) {
    res
      .status(405)
      .set('Allow', allow.join(', '))
      .json(
        errorBody(
          'method_not_allowed',
          `${req.method} is not allowed on ${req.path}: use ${allow.join(', ')}.`,
        ),
      );
    return;
  }
  res
    .status(404)
    .json(
      errorBody(
        'not_found',
        `No route for ${req.method} ${req.path}: see /openapi.json for the API.`,
      ),
    );
};
