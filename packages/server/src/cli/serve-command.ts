/** `snapshotplot-server serve`: the HTTP server over a data dir. */
import type { Command } from 'commander';
import { resolveConfig } from '../config.js';
import { resolveStorageSettings } from '../storage/open-storage.js';
import type { CliIo } from './io.js';

export function serveCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the API server (SQLite + local disk in the data dir)')
    .option('--host <host>', 'interface to bind (env SNAPSHOTPLOT_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port, 0 for any free one (env PORT; default 8080)')
    .option(
      '--data-dir <dir>',
      'data directory (env SNAPSHOTPLOT_DATA_DIR; default ./snapshotplot-data)',
    )
    .option(
      '--database-url <url>',
      'postgres://… to use PostgreSQL instead of SQLite in the data dir (env DATABASE_URL)',
    )
    .option(
      '--public-url <url>',
      'base URL clients reach (env SNAPSHOTPLOT_PUBLIC_URL; default the bound address)',
    )
    .option(
      '--upload-url-ttl <seconds>',
      'upload URL lifetime (env SNAPSHOTPLOT_UPLOAD_URL_TTL; default 900)',
    )
    .option(
      '--delivery-url-ttl <seconds>',
      'signed plot_url/code_url lifetime (env SNAPSHOTPLOT_DELIVERY_URL_TTL; default 604800)',
    )
    .option(
      '--max-upload-bytes <n>',
      'largest artifact accepted (env SNAPSHOTPLOT_MAX_UPLOAD_BYTES; default 52428800)',
    )
    .option('--jwt-secret <secret>', 'HS256 secret for user JWTs (env SNAPSHOTPLOT_JWT_SECRET)')
    .option('--jwks-url <url>', 'JWKS URL for user JWTs (env SNAPSHOTPLOT_JWKS_URL)')
    .option(
      '--jwt-issuer <iss>',
      'required "iss" claim of user JWTs (env SNAPSHOTPLOT_JWT_ISSUER; default not checked)',
    )
    .option(
      '--jwt-max-lifetime <seconds>',
      'longest accepted user JWT lifetime, exp - iat (env SNAPSHOTPLOT_JWT_MAX_LIFETIME; default 86400)',
    )
    .option(
      '--oidc-issuer <urls>',
      'accept CI ID tokens from these issuers, comma-separated, with `trust add` policies (env SNAPSHOTPLOT_OIDC_ISSUER; e.g. https://token.actions.githubusercontent.com)',
    )
    .option(
      '--oidc-audience <aud>',
      'required "aud" of CI ID tokens (env SNAPSHOTPLOT_OIDC_AUDIENCE; default the public URL)',
    )
    .option(
      '--stream-recheck-ms <ms>',
      'how often open event streams re-check their credential (env SNAPSHOTPLOT_STREAM_RECHECK_MS; default 30000)',
    )
    .option(
      '--rate-limit-per-minute <n>',
      'API requests a minute per credential, 0 = off (env SNAPSHOTPLOT_RATE_LIMIT_PER_MINUTE; default 0)',
    )
    .option(
      '--forge-url <url>',
      'forge the gallery links commits, branches and PRs to: GitHub, GitLab or Bitbucket (env SNAPSHOTPLOT_FORGE_URL; default https://github.com)',
    )
    .option(
      '--sse-heartbeat-ms <ms>',
      'comment sent on idle event streams (env SNAPSHOTPLOT_SSE_HEARTBEAT_MS; default 15000)',
    )
    .option(
      '--allow-private-webhooks',
      'deliver webhooks to loopback and private addresses (env SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS)',
    )
    .option(
      '--pending-ttl <duration>',
      'delete snapshots still pending this long after publish, with their files (env SNAPSHOTPLOT_PENDING_TTL; default 24h)',
    )
    .option(
      '--sweep-interval-ms <ms>',
      'how often the clean-up sweep runs (env SNAPSHOTPLOT_SWEEP_INTERVAL_MS; default 3600000)',
    )
    .option(
      '--retention',
      'apply the retention policies (`retention set`) in every sweep (env SNAPSHOTPLOT_RETENTION; default off)',
    )
    .option(
      '--highlight-timeout-ms <ms>',
      'time budget to highlight one code file; over it the code is shown plain (env SNAPSHOTPLOT_HIGHLIGHT_TIMEOUT_MS; default 250)',
    )
    .option(
      '--body-timeout-ms <ms>',
      'a JSON or form body must arrive within it, else 408 (env SNAPSHOTPLOT_BODY_TIMEOUT_MS; default 10000)',
    )
    .option(
      '--upload-timeout-ms <ms>',
      'an upload body (PUT /upload, multipart publish) must arrive within it, else 408 (env SNAPSHOTPLOT_UPLOAD_TIMEOUT_MS; default 900000)',
    )
    .option(
      '--headers-timeout-ms <ms>',
      'request line and headers must arrive within it, else 408 (env SNAPSHOTPLOT_HEADERS_TIMEOUT_MS; default 10000)',
    )
    .option(
      '--max-connections <n>',
      'open connections at most; more are closed at once (env SNAPSHOTPLOT_MAX_CONNECTIONS; default 1024, or half of ulimit -n when lower)',
    )
    .option(
      '--max-unauthenticated <n>',
      'requests without a credential in flight at most; more get 503 server_busy (env SNAPSHOTPLOT_MAX_UNAUTHENTICATED; default 64)',
    )
    .option('--log-level <level>', 'pino level (env SNAPSHOTPLOT_LOG_LEVEL; default info)')
    .option(
      '--storage <url>',
      'artifact storage: local (the data dir) or s3://BUCKET/PREFIX (env SNAPSHOTPLOT_STORAGE; default local)',
    )
    .option(
      '--s3-endpoint <url>',
      'S3-compatible endpoint (env SNAPSHOTPLOT_S3_ENDPOINT, AWS_ENDPOINT_URL; default AWS)',
    )
    .option(
      '--s3-region <region>',
      'S3 region (env SNAPSHOTPLOT_S3_REGION, AWS_REGION; default us-east-1)',
    )
    .option(
      '--s3-path-style',
      'path-style bucket URLs (env SNAPSHOTPLOT_S3_PATH_STYLE; default on with an endpoint)',
    )
    .option(
      '--s3-timeout-ms <ms>',
      'S3 request timeout: connect and idle time per request, total for calls without a streamed body (env SNAPSHOTPLOT_S3_TIMEOUT_MS; default 30000)',
    )
    .option(
      '--upload-mode <mode>',
      'proxy (uploads through the server) or presigned (S3 presigned PUT URLs) (env SNAPSHOTPLOT_UPLOAD_MODE; default proxy)',
    )
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const config = resolveConfig(flags, io.env);
      const storage = resolveStorageSettings(flags, io.env);
      // Imported lazily so admin commands do not pay for loading express and pino.
      const { startServer } = await import('../server.js');
      const server = await startServer({ config, storage, now: io.now });
      if (server.empty) {
        io.stderr(
          `No projects yet in ${config.dataDir}. Create one and a publisher token (works while the server runs):\n` +
            `  snapshotplot-server project create --name "My project" --data-dir ${config.dataDir}\n` +
            `  snapshotplot-server token create --project <id> --role publisher --data-dir ${config.dataDir}\n`,
        );
      }
      io.stderr(`snapshotplot-server listening on ${server.url}\n`);
      io.onServing?.(server.close);
    });
}
