/**
 * Admission: a cap on requests in flight that carry no credential (the sign-in form, health
 * checks, login links, gallery pages before sign-in), so that anonymous traffic cannot take
 * every socket and worker from CI and signed-in users. Over the cap: 503 server_busy with
 * Retry-After at once, body unread and connection closed.
 *
 * Authentication happens later, in the routes (principalOf); this only looks for credential
 * material (see carriesCredential). A forged one passes admission but is refused by a route
 * that checks it before reading any body (401), so it cannot hold a socket past that.
 */
import type { NextFunction, Request, Response } from 'express';
import { ServerBusyError } from '../errors.js';
import { SESSION_COOKIE } from './session-auth.js';

const SESSION = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=`);
/** The only routes a delivery URL's `sig`+`expires` authenticate. */
const ARTIFACT = /^\/api\/snapshots\/[^/]+\/(plot|code)$/;

/**
 * Whether the request carries something its route authenticates it by before reading a body:
 * a bearer header on reads and on the API (the gallery's forms ignore it), the session cookie
 * on reads (writes never accept it), an upload URL's token, a delivery URL's signature.
 */
export function carriesCredential(req: Request): boolean {
  const reads = req.method === 'GET' || req.method === 'HEAD';
  if (req.headers.authorization && (reads || req.path.startsWith('/api/'))) return true;
  const q = req.query as Record<string, unknown>;
  if (req.method === 'PUT' && req.path.startsWith('/upload/')) return typeof q.token === 'string';
  if (!reads) return false;
  // /healthz checks a bearer header when there is one (routes-meta.ts), nothing else.
  if (req.path === '/healthz') return false;
  const cookie = req.headers.cookie;
  if (cookie && SESSION.test(cookie)) return true;
  return ARTIFACT.test(req.path) && typeof q.sig === 'string' && typeof q.expires === 'string';
}

/** Middleware counting unauthenticated requests until their response is done. */
export function admission(maxUnauthenticated: number) {
  let inFlight = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    if (carriesCredential(req)) {
      next();
      return;
    }
    if (inFlight >= maxUnauthenticated) {
      next(new ServerBusyError(maxUnauthenticated));
      return;
    }
    inFlight++;
    // 'close' follows 'finish', and also comes alone when the socket dies first.
    res.once('close', () => inFlight--);
    next();
  };
}
