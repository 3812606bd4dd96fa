/**
 * Turns an HTTP response into data or an ApiError: JSON bodies are checked against the contract
 * schemas, and error pages that are not JSON (a proxy's HTML 502) still give a readable message.
 */
import type { z } from 'zod';
import { ApiError, type ApiErrorCode, describeIssues, knownCode } from './errors.js';
import { parseRetryAfter } from './retry-after.js';
import { ErrorBodySchema } from './schemas.js';

/** Codes for error responses whose body is not the contract's `{ error: { code, message } }`. */
const STATUS_CODES: Record<number, ApiErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  425: 'too_early',
  429: 'rate_limited',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

const SNIPPET_CHARS = 200;

/** `GET api.example.com/api/x` style label for messages (no query: it may hold a token). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

/** The start of a body as one readable line: tags and runs of whitespace removed. */
export function snippet(text: string): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain === '') return '(empty body)';
  return plain.length > SNIPPET_CHARS ? `${plain.slice(0, SNIPPET_CHARS)}…` : plain;
}

/** The ApiError for a non-2xx response whose body text has been read. */
export function errorFromResponse(
  res: Response,
  text: string,
  url: string,
  requestId: string,
): ApiError {
  const common = {
    status: res.status,
    requestId: res.headers.get('x-request-id') ?? requestId,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
  };
  const parsed = ErrorBodySchema.safeParse(safeJson(text));
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError({ ...common, code: knownCode(code), serverCode: code, message, details });
  }
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new ApiError({
    ...common,
    code: STATUS_CODES[res.status] ?? (res.status >= 500 ? 'server_error' : `http_${res.status}`),
    message:
      `${status} from ${describeUrl(url)}: ${snippet(text)}. ` +
      'The server, or a proxy in front of it, did not answer with a snapshotplot error; ' +
      'check the API URL and try again later.',
  });
}

/**
 * Parses a 2xx body with the schema the endpoint declares for its status: a status it does not
 * declare is an ApiError 'unexpected_status', a body that fails the schema 'invalid_response'.
 * Neither is retried (a 2xx is never retryable): asking again would get the same answer.
 */
export function parseSuccess<T>(
  responses: Readonly<Record<number, z.ZodType<T>>>,
  res: Response,
  text: string,
  url: string,
  requestId: string,
): T {
  const schema = Object.hasOwn(responses, res.status) ? responses[res.status] : undefined;
  if (!schema) {
    const declared = Object.keys(responses).join(', ');
    throw new ApiError({
      status: res.status,
      code: 'unexpected_status',
      requestId: res.headers.get('x-request-id') ?? requestId,
      message:
        `HTTP ${res.status} from ${describeUrl(url)} is not an answer this request can get ` +
        `(it expects ${declared}). The API URL may point at something other than a ` +
        'snapshotplot server, or the server and this client disagree on the API version; ' +
        'check the URL and upgrade both.',
    });
  }
  const json = safeJson(text);
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const what =
    json === undefined && text !== ''
      ? `a non-JSON body (${snippet(text)})`
      : `an unexpected body (${describeIssues(result.error.issues)})`;
  return invalid(res, url, requestId, what);
}

function invalid(res: Response, url: string, requestId: string, what: string): never {
  throw new ApiError({
    status: res.status,
    code: 'invalid_response',
    requestId: res.headers.get('x-request-id') ?? requestId,
    message:
      `HTTP ${res.status} from ${describeUrl(url)} carried ${what}. ` +
      'The API URL may point at something other than a snapshotplot server, or the server ' +
      'and this client disagree on the API version; check the URL and upgrade both.',
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
