/** The express application: request ids, logging, routes, the one error middleware. */
import { randomUUID } from 'node:crypto';
import { type Endpoint, HEADERS } from '@snapshotplot/api-client/contract';
import express from 'express';
import { pinoHttp } from 'pino-http';
import type { Principal } from '../auth/principal.js';
import { admission } from './admission.js';
import { bodyDeadline } from './body-deadline.js';
import type { AppContext } from './context.js';
import { errorMiddleware, notFoundHandler } from './error-middleware.js';
import { mountedEntries } from './mount.js';
import { artifactRoutes } from './routes-artifacts.js';
import { comparisonRoutes } from './routes-comparisons.js';
import { eventRoutes } from './routes-events.js';
import { metaRoutes } from './routes-meta.js';
import { publishRoutes } from './routes-publish.js';
import { snapshotRoutes } from './routes-snapshots.js';
import { uploadRoutes } from './routes-upload.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The contract entries an app mounted (http/mount.ts), in mount order. */
export const contractRoutes = (app: express.Express): readonly Endpoint[] =>
  app.locals.contractRoutes as readonly Endpoint[];

/** Routes mounted beside the API (the gallery's pages), given by the caller: http/ sits below them. */
export type RouteInstaller = (ctx: AppContext, router: express.Router) => void;

/** Builds the app for a context; no I/O happens until it is mounted on a server. */
export function createApp(
  ctx: AppContext,
  version: string,
  pages: readonly RouteInstaller[] = [],
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // The request's row-level-security scope (PostgreSQL); principalOf narrows it.
  app.use((_req, _res, next) => ctx.store.scope.run(next));
  app.use((req, res, next) => {
    // Keep a caller's id (the client sends one per logical request) so logs correlate.
    const given = req.get(HEADERS.requestId);
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    (req as { id?: string }).id = id;
    (req as { startedAt?: number }).startedAt = performance.now();
    res.set(HEADERS.requestId, id);
    next();
  });
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
      customLogLevel: requestLogLevel,
      customProps: (_req, res) => {
        const locals = (res as express.Response).locals ?? {};
        const p = locals.principal as Principal | undefined;
        // Uploads are authorised by their URL's token: log what it was for, never the token.
        if (locals.uploadFor) return { principal: `upload:${locals.uploadFor}` };
        return p ? { principal: `${p.kind}:${p.id}` } : {};
      },
      // The query string may hold an upload token or a delivery signature: log the path only.
      serializers: {
        req: (req: {
          id: string;
          method: string;
          url: string;
          headers: Record<string, string>;
        }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
          user_agent: req.headers?.['user-agent'],
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  // Every body gets a deadline (uploads extend theirs); anonymous requests are capped.
  app.use(bodyDeadline(ctx.config.bodyTimeoutMs));
  app.use(admission(ctx.config.maxUnauthenticated));
  const router = express.Router();
  metaRoutes(ctx, router, version);
  publishRoutes(ctx, router);
  uploadRoutes(ctx, router);
  snapshotRoutes(ctx, router);
  artifactRoutes(ctx, router);
  comparisonRoutes(ctx, router);
  eventRoutes(ctx, router);
  for (const install of pages) install(ctx, router);
  app.use(router);
  app.locals.contractRoutes = mountedEntries(router);
  app.use(notFoundHandler);
  app.use(errorMiddleware);
  return app;
}

/** A request slower than this is logged at info even when it is a successful read. */
export const SLOW_REQUEST_MS = 1000;

/**
 * The level of a request's log line: server errors at error, client errors at warn, writes
 * and slow requests at info, and successful fast reads (GET/HEAD answered below 400 within
 * SLOW_REQUEST_MS) at debug, so the busiest lines cost nothing at the default `info`.
 */
export function requestLogLevel(
  req: { method?: string; startedAt?: number },
  res: { statusCode: number },
  err?: Error,
): 'error' | 'warn' | 'info' | 'debug' {
  if (err || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  const took = req.startedAt === undefined ? 0 : performance.now() - req.startedAt;
  if ((req.method === 'GET' || req.method === 'HEAD') && took < SLOW_REQUEST_MS) return 'debug';
  return 'info';
}
