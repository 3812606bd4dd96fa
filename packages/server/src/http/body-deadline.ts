/**
 * One body deadline for every request (the slow-loris guard). Node's own requestTimeout is
 * off because one whole-request limit cannot fit both a 1 MiB JSON body and a 50 MiB upload
 * on a slow link; instead every request gets --body-timeout-ms when it is admitted, and the
 * routes that take an upload extend it to --upload-timeout-ms once the caller is authorised,
 * so a deadline is proportional to what the route may receive. When it passes before the body
 * is complete: 408 request_timeout with Connection: close if nothing was answered yet, then
 * the socket is destroyed, so a trickling client never holds a socket, a lock or a temp file.
 */
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { ClientAbortedError, RequestTimeoutError } from '../errors.js';
import { errorBody, toHttpError } from './error-middleware.js';

interface Deadline {
  /** When the request was admitted (monotonic ms): extending keeps counting from there. */
  start: number;
  timer?: NodeJS.Timeout;
}

const deadlines = new WeakMap<Request, Deadline>();

/** Middleware arming the default deadline on every request. */
export function bodyDeadline(timeoutMs: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const d: Deadline = { start: performance.now() };
    deadlines.set(req, d);
    arm(req, res, d, timeoutMs);
    // The body is complete (or the socket gone): nothing left to guard.
    req.once('close', () => clearTimeout(d.timer));
    next();
  };
}

/** Gives this request's body `timeoutMs` from its admission instead (uploads). */
export function extendBodyDeadline(req: Request, res: Response, timeoutMs: number): void {
  const d = deadlines.get(req);
  if (d) arm(req, res, d, timeoutMs);
}

function arm(req: Request, res: Response, d: Deadline, timeoutMs: number) {
  clearTimeout(d.timer);
  const left = Math.max(0, d.start + timeoutMs - performance.now());
  d.timer = setTimeout(() => expire(req, res, timeoutMs), left);
  d.timer.unref();
}

function expire(req: Request, res: Response, timeoutMs: number) {
  // A complete body is the handler's business from here on (a long download, an SSE stream).
  if (req.complete || req.destroyed) return;
  req.log?.info(
    { timeout_ms: timeoutMs, bytes_read: req.socket?.bytesRead },
    'request body too slow: connection closed',
  );
  // Destroying the request destroys its socket: the handler reading it sees an abort and
  // cleans up (temp file, lock) as for any client that went away.
  const cut = () => req.destroy(new ClientAbortedError());
  if (res.headersSent) {
    cut();
    return;
  }
  const h = toHttpError(new RequestTimeoutError(timeoutMs));
  res.once('finish', cut);
  res.once('close', cut);
  res.status(h.status).set(h.headers).json(errorBody(h.code, h.message));
}
