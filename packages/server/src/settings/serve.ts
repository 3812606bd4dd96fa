/**
 * What only `serve` reads: the listening address, URL lifetimes and limits, user JWTs, timeouts
 * and the sweep. Where the install lives (data dir, database, storage, secret) is install.ts.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { int, onOff, seconds, setting } from './define.js';

export const SERVE_SETTINGS = {
  host: setting({
    flag: '--host <host>',
    env: ['SNAPSHOTPLOT_HOST', 'HOST'],
    schema: z.string().min(1).default('127.0.0.1'),
    help: 'interface to bind',
    shownDefault: '127.0.0.1',
  }),
  port: setting({
    flag: '--port <port>',
    env: ['PORT', 'SNAPSHOTPLOT_PORT'],
    schema: int(0).max(65535).default(8080),
    help: 'port, 0 for any free one',
    shownDefault: '8080',
  }),
  /** Server processes (node:cluster) sharing the port; 1 = one process, no cluster. */
  workers: setting({
    flag: '--workers <n>',
    env: ['SNAPSHOTPLOT_WORKERS'],
    schema: int(1).max(256).default(availableParallelism()),
    help: 'server processes sharing the port (node:cluster), 1 = a single process',
    shownDefault: 'the number of cores',
  }),
  uploadUrlTtl: setting({
    flag: '--upload-url-ttl <seconds>',
    env: ['SNAPSHOTPLOT_UPLOAD_URL_TTL'],
    schema: int(1).default(900),
    help: 'upload URL lifetime',
    shownDefault: '900',
  }),
  deliveryUrlTtl: setting({
    flag: '--delivery-url-ttl <seconds>',
    env: ['SNAPSHOTPLOT_DELIVERY_URL_TTL'],
    schema: int(60).default(7 * 24 * 3600),
    help: 'signed plot_url/code_url lifetime',
    shownDefault: '604800',
  }),
  maxUploadBytes: setting({
    flag: '--max-upload-bytes <n>',
    env: ['SNAPSHOTPLOT_MAX_UPLOAD_BYTES'],
    schema: int(1).default(50 * 1024 * 1024),
    help: 'largest artifact accepted',
    shownDefault: '52428800',
  }),
  jwtSecret: setting({
    flag: '--jwt-secret <secret>',
    env: ['SNAPSHOTPLOT_JWT_SECRET'],
    schema: z.string().min(1).optional(),
    help: 'HS256 secret for user JWTs',
    sensitive: true,
  }),
  jwksUrl: setting({
    flag: '--jwks-url <url>',
    env: ['SNAPSHOTPLOT_JWKS_URL'],
    schema: z.url().optional(),
    help: 'JWKS URL for user JWTs',
  }),
  jwtAudience: setting({
    env: ['SNAPSHOTPLOT_JWT_AUDIENCE'],
    schema: z.string().min(1).optional(),
    help: 'required "aud" claim of user JWTs',
  }),
  jwtIssuer: setting({
    flag: '--jwt-issuer <iss>',
    env: ['SNAPSHOTPLOT_JWT_ISSUER'],
    schema: z.string().min(1).optional(),
    help: 'required "iss" claim of user JWTs',
    shownDefault: 'not checked',
  }),
  /** Longest accepted JWT lifetime, seconds: exp - (iat or now, whichever is earlier). */
  jwtMaxLifetime: setting({
    flag: '--jwt-max-lifetime <seconds>',
    env: ['SNAPSHOTPLOT_JWT_MAX_LIFETIME'],
    schema: int(60).default(86400),
    help: 'longest accepted user JWT lifetime, exp - iat',
    shownDefault: '86400',
  }),
  /** Issuers of CI ID tokens accepted with trust policies (comma-separated URLs). */
  oidcIssuer: setting({
    flag: '--oidc-issuer <urls>',
    env: ['SNAPSHOTPLOT_OIDC_ISSUER'],
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((i) => i.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ protocol: /^https?$/, error: 'use issuer URLs, comma-separated' })))
      .default([]),
    help: 'accept CI ID tokens (OIDC) from these issuers, comma-separated, with `trust add` policies, e.g. https://token.actions.githubusercontent.com',
    shownDefault: 'off',
  }),
  /** Required `aud` of CI ID tokens; default the public URL. */
  oidcAudience: setting({
    flag: '--oidc-audience <aud>',
    env: ['SNAPSHOTPLOT_OIDC_AUDIENCE'],
    schema: z.string().min(1).optional(),
    help: 'required "aud" claim of CI ID tokens',
    shownDefault: 'the public URL',
  }),
  /** How often an open event stream re-checks its credential (also checked before each push). */
  streamRecheckMs: setting({
    flag: '--stream-recheck-ms <ms>',
    env: ['SNAPSHOTPLOT_STREAM_RECHECK_MS'],
    schema: int(100).default(30_000),
    help: 'how often open event streams re-check their credential',
    shownDefault: '30000',
  }),
  rateLimitPerMinute: setting({
    flag: '--rate-limit-per-minute <n>',
    env: ['SNAPSHOTPLOT_RATE_LIMIT_PER_MINUTE'],
    schema: int(0).default(0),
    help: 'API requests a minute per credential, 0 = off',
    shownDefault: '0',
  }),
  forgeUrl: setting({
    flag: '--forge-url <url>',
    env: ['SNAPSHOTPLOT_FORGE_URL'],
    schema: z.url({ protocol: /^https?$/ }).default('https://github.com'),
    help: 'forge the gallery links commits, branches and PRs to: GitHub, GitLab or Bitbucket',
    shownDefault: 'https://github.com',
  }),
  /** Origin the sandboxed plot frames are loaded from (the gallery's own by default). */
  usercontentUrl: setting({
    flag: '--usercontent-url <url>',
    env: ['SNAPSHOTPLOT_USERCONTENT_URL'],
    schema: z
      .url({
        protocol: /^https?$/,
        error: 'give an http(s) URL of another origin that reaches this server',
      })
      .optional(),
    help: 'separate origin (another host name for this server) that interactive plots are framed from',
    shownDefault: 'the public URL',
  }),
  sseHeartbeatMs: setting({
    flag: '--sse-heartbeat-ms <ms>',
    env: ['SNAPSHOTPLOT_SSE_HEARTBEAT_MS'],
    schema: int(100).default(15_000),
    help: 'comment sent on idle event streams',
    shownDefault: '15000',
  }),
  /** A snapshot still pending this long after publish is deleted with its files by the sweep. */
  pendingTtl: setting({
    flag: '--pending-ttl <duration>',
    env: ['SNAPSHOTPLOT_PENDING_TTL'],
    schema: seconds(60).default(24 * 3600),
    help: 'delete snapshots still pending this long after publish, with their files',
    shownDefault: '24h',
  }),
  /** How often the sweep (pending expiry, old keys, retention) runs while serving. */
  sweepIntervalMs: setting({
    flag: '--sweep-interval-ms <ms>',
    env: ['SNAPSHOTPLOT_SWEEP_INTERVAL_MS'],
    schema: int(100).default(3600_000),
    help: 'how often the clean-up sweep runs',
    shownDefault: '3600000',
  }),
  /** Run the projects' retention policies in the sweep (`retention set`); off by default. */
  retention: setting({
    flag: '--retention',
    env: ['SNAPSHOTPLOT_RETENTION'],
    schema: onOff().default(false),
    help: 'apply the retention policies (`retention set`) in every sweep',
    shownDefault: 'off',
  }),
  /** Budget of one code highlight in the worker; over it the code is shown plain (cached). */
  githubToken: setting({
    flag: '--github-token <token>',
    env: ['SNAPSHOTPLOT_GITHUB_TOKEN'],
    schema: z.string().min(1).optional(),
    help: 'GitHub token (statuses: write) the server sets the snapshotplot commit status with after a review; off without it',
    sensitive: true,
  }),
  githubApiUrl: setting({
    flag: '--github-api-url <url>',
    env: ['SNAPSHOTPLOT_GITHUB_API_URL'],
    schema: z.url().default('https://api.github.com'),
    help: 'GitHub REST API base, e.g. https://ghe.example.com/api/v3 for GitHub Enterprise Server',
    shownDefault: 'https://api.github.com',
  }),
  diffTimeoutMs: setting({
    flag: '--diff-timeout-ms <ms>',
    env: ['SNAPSHOTPLOT_DIFF_TIMEOUT_MS'],
    schema: int(1).default(20_000),
    help: 'time budget to compare two plots pixel by pixel; over it the pair is changed (timeout)',
    shownDefault: '20000',
  }),
  diffMaxPixels: setting({
    flag: '--diff-max-pixels <n>',
    env: ['SNAPSHOTPLOT_DIFF_MAX_PIXELS'],
    schema: int(1).default(40_000_000),
    help: 'largest plot (width × height) compared pixel by pixel; larger ones are changed (too_large)',
    shownDefault: '40000000',
  }),
  highlightTimeoutMs: setting({
    flag: '--highlight-timeout-ms <ms>',
    env: ['SNAPSHOTPLOT_HIGHLIGHT_TIMEOUT_MS'],
    schema: int(1).default(250),
    help: 'time budget to highlight one code file; over it the code is shown plain',
    shownDefault: '250',
  }),
  /** Every body but uploads (JSON, forms: 1 MiB at most) must arrive within this; 10 s ≥ 100 KiB/s. */
  bodyTimeoutMs: setting({
    flag: '--body-timeout-ms <ms>',
    env: ['SNAPSHOTPLOT_BODY_TIMEOUT_MS'],
    schema: int(100).default(10_000),
    help: 'a JSON or form body must arrive within it, else 408',
    shownDefault: '10000',
  }),
  /** A whole upload body must arrive within this (slow-loris guard); 15 min ≥ 57 KiB/s at 50 MiB. */
  uploadTimeoutMs: setting({
    flag: '--upload-timeout-ms <ms>',
    env: ['SNAPSHOTPLOT_UPLOAD_TIMEOUT_MS'],
    schema: int(1000).default(900_000),
    help: 'an upload body (PUT /upload, multipart publish) must arrive within it, else 408',
    shownDefault: '900000',
  }),
  /** The request line and headers must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: setting({
    flag: '--headers-timeout-ms <ms>',
    env: ['SNAPSHOTPLOT_HEADERS_TIMEOUT_MS'],
    schema: int(100).default(10_000),
    help: 'request line and headers must arrive within it, else 408',
    shownDefault: '10000',
  }),
  /** Open sockets at most (server.maxConnections); unset: see connection-limit.ts. */
  maxConnections: setting({
    flag: '--max-connections <n>',
    env: ['SNAPSHOTPLOT_MAX_CONNECTIONS'],
    schema: int(1).optional(),
    help: 'open connections at most; more are closed at once',
    shownDefault: '1024, or half of ulimit -n when lower',
  }),
  /** Requests in flight that carry no credential at most; over it 503 server_busy. */
  maxUnauthenticated: setting({
    flag: '--max-unauthenticated <n>',
    env: ['SNAPSHOTPLOT_MAX_UNAUTHENTICATED'],
    schema: int(1).default(64),
    help: 'requests without a credential in flight at most; more get 503 server_busy',
    shownDefault: '64',
  }),
  /** PostgreSQL connections per process (data/postgres.ts says why 10). */
  dbPoolSize: setting({
    flag: '--db-pool-size <n>',
    env: ['SNAPSHOTPLOT_DB_POOL_SIZE'],
    schema: z.coerce
      .number({ error: 'give a whole number of connections, 1 to 1000' })
      .int('give a whole number of connections, 1 to 1000')
      .min(1, 'give at least 1 connection')
      .max(1000, 'give at most 1000 connections (PostgreSQL allows 100 by default)')
      .default(10),
    help: 'PostgreSQL connections per process (with --database-url)',
    shownDefault: '10',
  }),
  logLevel: setting({
    flag: '--log-level <level>',
    env: ['SNAPSHOTPLOT_LOG_LEVEL', 'LOG_LEVEL'],
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    help: 'pino level',
    shownDefault: 'info',
  }),
  shutdownTimeoutMs: setting({
    env: ['SNAPSHOTPLOT_SHUTDOWN_TIMEOUT_MS'],
    schema: int(0).default(10_000),
    help: 'how long SIGTERM waits for in-flight requests',
  }),
};
