/**
 * Starting and stopping a server over a data dir: opens the store, sweeps storage temp files,
 * listens, and on close stops accepting, lets in-flight requests finish (bounded) and closes
 * the database.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Endpoint } from '@snapshotplot/api-client/contract';
import pino, { type Logger } from 'pino';
import { createJwtVerifier } from './auth/jwt.js';
import { createOidcVerifier } from './auth/oidc.js';
import type { ClusterRole } from './cluster/worker.js';
import { createDiffer } from './compare/differ.js';
import { githubStatuses } from './comparisons/github.js';
import type { ServerConfig } from './config.js';
import { defaultMaxConnections } from './connection-limit.js';
import { openStore } from './data/open-store.js';
import { countPerRequest } from './data/statement-count.js';
import { createNotifier } from './events/notifier.js';
import { galleryRoutes } from './gallery/routes.js';
import { createHighlighter } from './highlight/highlighter.js';
import { contractRoutes, createApp } from './http/app.js';
import type { AppContext } from './http/context.js';
import { createRateLimiter } from './http/rate-limit.js';
import { sweepSnapshots } from './retention/sweep.js';
import { loadSecret } from './secret.js';
import { openStorage, type StorageSettings } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';
import { createThumbnailer } from './thumbnails/thumbnailer.js';
import { VERSION } from './version.js';
import { startWebhookWorker, type WebhookWorkerOptions } from './webhooks/worker.js';

const EVENT_RETENTION_MS = 7 * 24 * 3600_000;

export interface StartOptions {
  config: ServerConfig;
  logger?: Logger;
  now?: () => Date;
  /** Local disk (default) or S3: see storage/open-storage.ts. */
  storage?: StorageSettings;
  /** Wraps the storage (fault injection in tests). */
  wrapStorage?: (inner: Storage) => Storage;
  /**
   * Check every API answer against the contract (http/response-check.ts); the test harnesses
   * turn it on (the spawned bin by SNAPSHOTPLOT_CHECK_RESPONSES=1), production leaves it off.
   */
  checkResponses?: boolean;
  /** Webhook worker timing (tests shorten the retry schedule and the poll). */
  webhooks?: Partial<
    Pick<WebhookWorkerOptions, 'retryDelaysMs' | 'pollIntervalMs' | 'timeoutMs' | 'random'>
  >;
  /**
   * One worker of `serve --workers` (cluster/worker.ts): locks and events go through the
   * primary on SQLite, the background jobs run in the leader only, the thread pools share
   * the cores, the primary has swept the temp files, and answers say which worker served.
   */
  cluster?: ClusterRole;
}

export interface RunningServer {
  url: string;
  context: AppContext;
  /** The contract entries the app mounted (the contract-routes test compares them). */
  routes: readonly Endpoint[];
  /** True when the data dir had no project yet (the CLI prints a hint). */
  empty: boolean;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** In a cluster, every answer names the worker that served it (`x-snapshotplot-worker`). */
function withWorkerHeader(handler: Handler, slot: number | undefined): Handler {
  if (slot === undefined) return handler;
  const value = String(slot);
  return (req, res) => {
    res.setHeader('x-snapshotplot-worker', value);
    handler(req, res);
  };
}

/** Logs dropped connections at most every 10 s (a flood would otherwise flood the log too). */
function dropLogger(logger: Logger, max: number) {
  let dropped = 0;
  let last = 0;
  return () => {
    dropped++;
    const t = Date.now();
    if (t - last < 10_000) return;
    logger.warn(
      { dropped, max_connections: max },
      'connection limit reached: new connections closed',
    );
    dropped = 0;
    last = t;
  };
}

/**
 * One clean-up pass: expired idempotency keys and nonces, the event log beyond a week (it is
 * for reconnecting streams, not an archive), ended sessions, expired pending snapshots (and,
 * with --retention, the retention policies), then fresh planner statistics. Never rejects.
 */
async function sweepOnce(ctx: AppContext, config: ServerConfig): Promise<void> {
  const { store, logger } = ctx;
  const t = ctx.now();
  try {
    await store.sweep(t.toISOString(), new Date(t.getTime() - 24 * 3600_000).toISOString());
    await store.pruneEvents(new Date(t.getTime() - EVENT_RETENTION_MS).toISOString());
    await store.pruneSessions(t.toISOString());
    await sweepSnapshots(ctx, config);
    await store.optimizePlanner();
  } catch (err) {
    logger.warn({ err }, 'the clean-up sweep failed; it runs again later');
  }
}

/** Opens everything and listens on config.host:config.port (0 = any free port). */
export async function startServer(o: StartOptions): Promise<RunningServer> {
  const { config, cluster: role } = o;
  const base = o.logger ?? pino({ level: config.logLevel });
  const logger = role ? base.child({ worker: role.slot }) : base;
  // Background jobs (the sweep, webhook deliveries) run in one process of a cluster.
  const leader = role?.leader ?? true;
  const threads = role?.threads ?? 2;
  const store = await openStore(config, {
    warn: (m) => logger.warn(m),
    sqliteServices: role?.services,
  });
  const {
    storage: disk,
    presigned,
    swept,
  } = await openStorage(o.storage, {
    dataDir: config.dataDir,
    maxUploadBytes: config.maxUploadBytes,
    now: o.now ?? (() => new Date()),
    sweep: !role,
  });
  if (swept) logger.info({ count: swept }, 'removed temp files left by an interrupted upload');
  const now = o.now ?? (() => new Date());
  let publicUrl = config.publicUrl?.replace(/\/+$/, '') ?? '';
  let openapi: string | undefined;
  const storage = o.wrapStorage ? o.wrapStorage(disk) : disk;
  const ctx: AppContext = {
    config,
    store,
    storage,
    presigned,
    secret: loadSecret(config.dataDir, config.secret),
    jwt: createJwtVerifier({
      secret: config.jwtSecret,
      jwksUrl: config.jwksUrl,
      audience: config.jwtAudience,
      issuer: config.jwtIssuer,
      maxLifetime: config.jwtMaxLifetime,
      now,
    }),
    oidc: createOidcVerifier({
      issuers: config.oidcIssuer,
      audience: () => config.oidcAudience ?? publicUrl,
      now,
    }),
    logger,
    now,
    publicUrl: () => publicUrl,
    uploadsInProgress: new Set(),
    rateLimiter:
      config.rateLimitPerMinute > 0 ? createRateLimiter(config.rateLimitPerMinute) : null,
    // On PostgreSQL, NOTIFY already reaches every process; on SQLite the primary relays.
    events: createNotifier({
      fanOut: role && store.dialect === 'sqlite' ? role.fanOut : undefined,
    }),
    highlighter: createHighlighter({ timeoutMs: config.highlightTimeoutMs, threads }),
    differ: createDiffer({
      maxPixels: config.diffMaxPixels,
      timeoutMs: config.diffTimeoutMs,
      threads,
      maxQueue: 64,
    }),
    github: config.githubToken
      ? githubStatuses({ token: config.githubToken, apiUrl: config.githubApiUrl })
      : null,
    thumbnails: createThumbnailer({ store, storage, logger }, { concurrency: threads }),
    checkResponses: o.checkResponses ?? process.env.SNAPSHOTPLOT_CHECK_RESPONSES === '1',
    openapi: () => {
      openapi ??= JSON.stringify(
        createRequire(import.meta.url)('@snapshotplot/api-client/openapi.json'),
      );
      return openapi;
    },
  };
  // Before serving, then every --sweep-interval-ms: a failed sweep (a store that is down)
  // is logged and retried next time, never a reason not to start.
  if (leader) await sweepOnce(ctx, config);
  // Other replicas' events (PostgreSQL LISTEN/NOTIFY) and other workers' (relayed by the
  // cluster primary) wake this process's streams and webhook worker.
  const stopListening = store.onEvent((projectId) => ctx.events.wake(projectId));
  const empty = (await store.listProjects()).length === 0;
  const app = createApp(ctx, VERSION, [galleryRoutes]);
  const server = createServer(
    {
      // No whole-request deadline: every body has its own (http/body-deadline.ts), sized for
      // what its route accepts; a 50 MiB upload on a slow link must not fit a JSON body's.
      requestTimeout: 0,
      // Covers a socket that sends nothing too; Node checks it every connectionsCheckingInterval.
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 4)),
      keepAliveTimeout: 5_000,
    },
    withWorkerHeader(
      countPerRequest(app, (line) => process.stderr.write(line)),
      role?.slot,
    ),
  );
  // Over the cap Node closes new sockets at once, so descriptors stay for the database,
  // storage and temp files.
  server.maxConnections = config.maxConnections ?? defaultMaxConnections();
  server.on('drop', dropLogger(logger, server.maxConnections));
  await listen(server, config.port, config.host);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const boundUrl = `http://${host}:${address.port}`;
  publicUrl ||= boundUrl;
  const worker = leader
    ? startWebhookWorker({
        store,
        logger,
        now,
        notifier: ctx.events,
        userAgent: `snapshotplot-server/${VERSION}`,
        allowPrivate: config.allowPrivateWebhooks,
        serverSecret: ctx.secret,
        ...o.webhooks,
      })
    : null;
  let sweeping: Promise<void> | undefined;
  const sweeper = leader
    ? setInterval(() => {
        if (sweeping) return; // the previous sweep is still running
        sweeping = sweepOnce(ctx, config).finally(() => {
          sweeping = undefined;
        });
      }, config.sweepIntervalMs)
    : undefined;
  sweeper?.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      await sweeping;
      stopListening();
      // Event streams never end by themselves: end them so the drain below is not held open.
      ctx.events.closeAll();
      const workerStopped = worker?.stop();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets become idle as in-flight requests finish: close them promptly.
      server.closeIdleConnections();
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      const timeout = new Promise<void>((resolve) =>
        setTimeout(resolve, config.shutdownTimeoutMs).unref(),
      );
      await Promise.race([done, timeout]);
      clearInterval(reaper);
      server.closeAllConnections();
      await workerStopped;
      await ctx.highlighter.close();
      await ctx.differ.close();
      await ctx.thumbnails.close();
      await store.close();
    })();
    return closing;
  };
  return { url: boundUrl, context: ctx, routes: contractRoutes(app), empty, close };
}
