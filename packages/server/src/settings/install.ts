/**
 * Where an install lives — data dir, database, artifact storage (with the AWS_* variables an
 * S3 store is reached by), server secret, public URL — read the same way by `serve` and by
 * every admin command. Serve's own tuning is in serve.ts.
 */
import { z } from 'zod';
import { onOff, setting } from './define.js';

const STORAGE_SHAPE = 'use local or s3://BUCKET/PREFIX';
const MS_100 = 'use a whole number of milliseconds, at least 100';

export const INSTALL_SETTINGS = {
  dataDir: setting({
    flag: '--data-dir <dir>',
    env: ['SNAPSHOTPLOT_DATA_DIR'],
    schema: z.string().min(1, 'give a directory').default('./snapshotplot-data'),
    help: 'data directory: SQLite database, server secret, local artifacts',
    shownDefault: './snapshotplot-data',
  }),
  databaseUrl: setting({
    flag: '--database-url <url>',
    env: ['SNAPSHOTPLOT_DATABASE_URL', 'DATABASE_URL'],
    schema: z
      .url({
        protocol: /^postgres(ql)?$/,
        error: 'use postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://)',
      })
      .optional(),
    help: 'postgres://… to use PostgreSQL instead of SQLite in the data dir',
    shownDefault: 'SQLite in the data dir',
    sensitive: true,
  }),
  storage: setting({
    flag: '--storage <url>',
    env: ['SNAPSHOTPLOT_STORAGE'],
    schema: z
      .string()
      // The whole s3:// shape is checked where a command opens it (parseS3Url) and, for every
      // command line, before the action runs (options.ts).
      .refine((v) => v === 'local' || v.startsWith('s3://'), STORAGE_SHAPE)
      .optional(),
    help: 'artifact storage: local (the data dir) or s3://BUCKET/PREFIX',
    shownDefault: 'local',
  }),
  s3Endpoint: setting({
    flag: '--s3-endpoint <url>',
    env: ['SNAPSHOTPLOT_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
    schema: z
      .string()
      .regex(/^https?:\/\/[^/]/, 'use http(s)://HOST[:PORT]')
      .optional(),
    help: 'S3-compatible endpoint',
    shownDefault: 'AWS',
  }),
  s3Region: setting({
    flag: '--s3-region <region>',
    env: ['SNAPSHOTPLOT_S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'],
    schema: z.string().min(1).default('us-east-1'),
    help: 'S3 region',
    shownDefault: 'us-east-1',
  }),
  s3PathStyle: setting({
    flag: '--s3-path-style',
    env: ['SNAPSHOTPLOT_S3_PATH_STYLE'],
    schema: onOff().optional(),
    help: 'path-style bucket URLs',
    shownDefault: 'on with an endpoint',
  }),
  s3TimeoutMs: setting({
    flag: '--s3-timeout-ms <ms>',
    env: ['SNAPSHOTPLOT_S3_TIMEOUT_MS'],
    schema: z.coerce
      .string()
      .regex(/^\d+$/, MS_100)
      .transform(Number)
      .pipe(z.number().int().min(100, MS_100))
      .optional(),
    help: 'S3 request timeout: connect and idle time per request, total for calls without a streamed body',
    shownDefault: '30000',
  }),
  awsAccessKeyId: setting({
    env: ['AWS_ACCESS_KEY_ID'],
    schema: z.string().optional(),
    help: 'S3 access key (without it and the secret key: the AWS SDK default chain)',
    sensitive: true,
  }),
  awsSecretAccessKey: setting({
    env: ['AWS_SECRET_ACCESS_KEY'],
    schema: z.string().optional(),
    help: 'S3 secret key',
    sensitive: true,
  }),
  awsSessionToken: setting({
    env: ['AWS_SESSION_TOKEN'],
    schema: z.string().optional(),
    help: 'S3 session token',
    sensitive: true,
  }),
  uploadMode: setting({
    flag: '--upload-mode <mode>',
    env: ['SNAPSHOTPLOT_UPLOAD_MODE'],
    schema: z.enum(['proxy', 'presigned'], { error: 'use proxy or presigned' }).default('proxy'),
    help: 'proxy (uploads through the server) or presigned (S3 presigned PUT URLs)',
    shownDefault: 'proxy',
  }),
  secret: setting({
    env: ['SNAPSHOTPLOT_SECRET'],
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    help: 'HMAC secret; default generated into <data-dir>/secret.key',
    sensitive: true,
  }),
  publicUrl: setting({
    flag: '--public-url <url>',
    env: ['SNAPSHOTPLOT_PUBLIC_URL'],
    schema: z.url({ protocol: /^https?$/, error: "give the server's http(s) URL" }).optional(),
    help: 'base URL clients reach',
    shownDefault: 'the bound address',
  }),
  allowPrivateWebhooks: setting({
    flag: '--allow-private-webhooks',
    env: ['SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS'],
    schema: onOff().default(false),
    help: 'deliver webhooks to loopback and private addresses',
    shownDefault: 'off',
  }),
};

/** The S3 connection: what storage.ts turns into S3Settings. */
export const S3_KEYS = [
  's3Endpoint',
  's3Region',
  's3PathStyle',
  's3TimeoutMs',
  'awsAccessKeyId',
  'awsSecretAccessKey',
  'awsSessionToken',
] as const;

/** What every command that opens the install reads (the shared option set: options.ts). */
export const INSTALL_KEYS = ['dataDir', 'databaseUrl', 'storage', ...S3_KEYS, 'secret'] as const;
