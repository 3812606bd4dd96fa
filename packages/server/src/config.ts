/**
 * The server's configuration, read in one place: command-line flags win over environment
 * variables, which win over defaults. Validated with zod so a bad value names its source.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { CliError } from './errors.js';

const int = (min: number) => z.coerce.number().int().min(min);

/** Seconds, given as a number or a duration like 90m, 24h, 7d (the unit letters of parseDuration). */
const seconds = (min: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+\s*[smhdw]?$/, 'use seconds or a duration like 24h')])
    .transform((v) => (typeof v === 'number' ? v : parseDuration(v)))
    .pipe(z.number().int().min(min));

const ConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: int(0).max(65535).default(8080),
  dataDir: z.string().min(1).default('./snapshotplot-data'),
  /** postgres://… selects PostgreSQL instead of the data dir's SQLite file. */
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  uploadUrlTtl: int(1).default(900),
  deliveryUrlTtl: int(60).default(7 * 24 * 3600),
  maxUploadBytes: int(1).default(50 * 1024 * 1024),
  secret: z.string().min(32, 'must be at least 32 characters').optional(),
  jwtSecret: z.string().min(1).optional(),
  jwksUrl: z.url().optional(),
  jwtAudience: z.string().min(1).optional(),
  /** Required `iss` of user JWTs when set. */
  jwtIssuer: z.string().min(1).optional(),
  /** Longest accepted JWT lifetime, seconds: exp - (iat or now, whichever is earlier). */
  jwtMaxLifetime: int(60).default(86400),
  /** Issuers of CI ID tokens accepted with trust policies (comma-separated URLs). */
  oidcIssuer: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((i) => i.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ })))
    .default([]),
  /** Required `aud` of CI ID tokens; default the public URL. */
  oidcAudience: z.string().min(1).optional(),
  /** How often an open event stream re-checks its credential (also checked before each push). */
  streamRecheckMs: int(100).default(30_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  shutdownTimeoutMs: int(0).default(10_000),
  /** A whole upload body must arrive within this (slow-loris guard); 15 min ≥ 57 KiB/s at 50 MiB. */
  uploadTimeoutMs: int(1000).default(900_000),
  /** Every other body (JSON, forms: 1 MiB at most) must arrive within this; 10 s ≥ 100 KiB/s. */
  bodyTimeoutMs: int(100).default(10_000),
  /** The request line and headers must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: int(100).default(10_000),
  /** Open sockets at most (server.maxConnections); unset: see connection-limit.ts. */
  maxConnections: int(1).optional(),
  /** Requests in flight that carry no credential at most; over it 503 server_busy. */
  maxUnauthenticated: int(1).default(64),
  rateLimitPerMinute: int(0).default(0),
  sseHeartbeatMs: int(100).default(15_000),
  allowPrivateWebhooks: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false'])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
  forgeUrl: z.url({ protocol: /^https?$/ }).default('https://github.com'),
  /** Budget of one code highlight in the worker; over it the code is shown plain (cached). */
  highlightTimeoutMs: int(1).default(250),
  /** A snapshot still pending this long after publish is deleted with its files by the sweep. */
  pendingTtl: seconds(60).default(24 * 3600),
  /** How often the sweep (pending expiry, old keys, retention) runs while serving. */
  sweepIntervalMs: int(100).default(3600_000),
  /** Run the projects' retention policies in the sweep (`retention set`); off by default. */
  retention: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false'])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
});

export type ServerConfig = z.output<typeof ConfigSchema>;
export type ServerConfigInput = z.input<typeof ConfigSchema>;

/** Flag name -> environment variable that stands in for it. */
export const ENV_VARS: Record<keyof ServerConfig, string[]> = {
  host: ['SNAPSHOTPLOT_HOST', 'HOST'],
  port: ['PORT', 'SNAPSHOTPLOT_PORT'],
  dataDir: ['SNAPSHOTPLOT_DATA_DIR'],
  databaseUrl: ['SNAPSHOTPLOT_DATABASE_URL', 'DATABASE_URL'],
  publicUrl: ['SNAPSHOTPLOT_PUBLIC_URL'],
  uploadUrlTtl: ['SNAPSHOTPLOT_UPLOAD_URL_TTL'],
  deliveryUrlTtl: ['SNAPSHOTPLOT_DELIVERY_URL_TTL'],
  maxUploadBytes: ['SNAPSHOTPLOT_MAX_UPLOAD_BYTES'],
  secret: ['SNAPSHOTPLOT_SECRET'],
  jwtSecret: ['SNAPSHOTPLOT_JWT_SECRET'],
  jwksUrl: ['SNAPSHOTPLOT_JWKS_URL'],
  jwtAudience: ['SNAPSHOTPLOT_JWT_AUDIENCE'],
  jwtIssuer: ['SNAPSHOTPLOT_JWT_ISSUER'],
  jwtMaxLifetime: ['SNAPSHOTPLOT_JWT_MAX_LIFETIME'],
  oidcIssuer: ['SNAPSHOTPLOT_OIDC_ISSUER'],
  oidcAudience: ['SNAPSHOTPLOT_OIDC_AUDIENCE'],
  streamRecheckMs: ['SNAPSHOTPLOT_STREAM_RECHECK_MS'],
  logLevel: ['SNAPSHOTPLOT_LOG_LEVEL', 'LOG_LEVEL'],
  shutdownTimeoutMs: ['SNAPSHOTPLOT_SHUTDOWN_TIMEOUT_MS'],
  uploadTimeoutMs: ['SNAPSHOTPLOT_UPLOAD_TIMEOUT_MS'],
  bodyTimeoutMs: ['SNAPSHOTPLOT_BODY_TIMEOUT_MS'],
  headersTimeoutMs: ['SNAPSHOTPLOT_HEADERS_TIMEOUT_MS'],
  maxConnections: ['SNAPSHOTPLOT_MAX_CONNECTIONS'],
  maxUnauthenticated: ['SNAPSHOTPLOT_MAX_UNAUTHENTICATED'],
  rateLimitPerMinute: ['SNAPSHOTPLOT_RATE_LIMIT_PER_MINUTE'],
  sseHeartbeatMs: ['SNAPSHOTPLOT_SSE_HEARTBEAT_MS'],
  allowPrivateWebhooks: ['SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS'],
  forgeUrl: ['SNAPSHOTPLOT_FORGE_URL'],
  highlightTimeoutMs: ['SNAPSHOTPLOT_HIGHLIGHT_TIMEOUT_MS'],
  pendingTtl: ['SNAPSHOTPLOT_PENDING_TTL'],
  sweepIntervalMs: ['SNAPSHOTPLOT_SWEEP_INTERVAL_MS'],
  retention: ['SNAPSHOTPLOT_RETENTION'],
};

/** Merges flags over the environment and validates; CliError (exit 2) names the bad setting. */
export function resolveConfig(
  flags: Partial<Record<keyof ServerConfig, string | number | boolean | undefined>>,
  env: Record<string, string | undefined>,
): ServerConfig {
  const merged: Record<string, unknown> = {};
  for (const [name, vars] of Object.entries(ENV_VARS)) {
    const flag = flags[name as keyof ServerConfig];
    const fromEnv = vars.map((v) => env[v]).find((v) => v !== undefined && v !== '');
    if (flag !== undefined) merged[name] = flag;
    else if (fromEnv !== undefined) merged[name] = fromEnv;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]) as keyof ServerConfig;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new CliError(`Invalid ${flag} (or ${ENV_VARS[key]?.join('/')}): ${issue.message}.`, 2);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.dataDir) };
}

/** The config for in-process use (tests): defaults plus the given values. */
export function makeConfig(input: ServerConfigInput): ServerConfig {
  const c = ConfigSchema.parse(input);
  return { ...c, dataDir: resolve(c.dataDir) };
}

/** "30d", "12h", "15m", "3600s" or a number of seconds -> seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  if (!m)
    throw new CliError(
      `Invalid duration "${text}": use a number with s, m, h, d or w, like 30d.`,
      2,
    );
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as '' | 's'];
  return Number(m[1]) * unit;
}
