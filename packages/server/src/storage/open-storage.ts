/**
 * The storage factory: local disk under `<data-dir>/files` by default, or an S3-compatible
 * bucket with `--storage s3://bucket/prefix`. Storage flags are read here, apart from
 * config.ts, with the same precedence: flags, then environment variables, then defaults.
 */
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { LocalDiskStorage } from './local-disk.js';
import type { S3Settings } from './s3-client.js';
import type { PresignedUploads } from './s3-presigned.js';
import type { Storage } from './storage.js';

/** CopyObject, used to promote a verified upload, copies at most 5 GiB in one request. */
const S3_MAX_COPY_BYTES = 5 * 1024 ** 3;

export interface StorageSettings {
  /** `s3://bucket/prefix`; undefined = local disk in the data dir. */
  url?: string;
  s3: S3Settings;
  uploadMode: 'proxy' | 'presigned';
  /** Where the AWS_* credentials and endpoint variables are read from. */
  env: Record<string, string | undefined>;
}

type Flags = Record<string, string | boolean | undefined>;

const pick = (flag: unknown, ...values: Array<string | undefined>) =>
  typeof flag === 'string' ? flag : values.find((v) => v !== undefined && v !== '');

/** Storage settings from serve's flags and the environment; CliError (exit 2) on bad values. */
export function resolveStorageSettings(
  flags: Flags,
  env: Record<string, string | undefined>,
): StorageSettings {
  const url = pick(flags.storage, env.SNAPSHOTPLOT_STORAGE);
  if (url !== undefined && url !== 'local' && !url.startsWith('s3://')) {
    throw new CliError(`Invalid --storage "${url}": use local or s3://BUCKET/PREFIX.`, 2);
  }
  const mode = pick(flags.uploadMode, env.SNAPSHOTPLOT_UPLOAD_MODE) ?? 'proxy';
  if (mode !== 'proxy' && mode !== 'presigned') {
    throw new CliError(`Invalid --upload-mode "${mode}": use proxy or presigned.`, 2);
  }
  const s3 = url?.startsWith('s3://') ? url : undefined;
  if (mode === 'presigned' && !s3) {
    throw new CliError(
      '--upload-mode presigned needs S3 storage: add --storage s3://BUCKET/PREFIX.',
      2,
    );
  }
  const endpoint = pick(flags.s3Endpoint, env.SNAPSHOTPLOT_S3_ENDPOINT);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new CliError(`Invalid --s3-endpoint "${endpoint}": use http(s)://HOST[:PORT].`, 2);
  }
  const timeout = pick(flags.s3TimeoutMs, env.SNAPSHOTPLOT_S3_TIMEOUT_MS);
  if (timeout !== undefined && !(/^\d+$/.test(timeout) && Number(timeout) >= 100)) {
    throw new CliError(
      `Invalid --s3-timeout-ms "${timeout}" (or SNAPSHOTPLOT_S3_TIMEOUT_MS): use a whole number of milliseconds, at least 100.`,
      2,
    );
  }
  const pathStyle = pick(
    flags.s3PathStyle === true ? 'true' : flags.s3PathStyle,
    env.SNAPSHOTPLOT_S3_PATH_STYLE,
  );
  return {
    url: s3,
    s3: {
      endpoint,
      region: pick(flags.s3Region, env.SNAPSHOTPLOT_S3_REGION),
      pathStyle: pathStyle === undefined ? undefined : pathStyle === 'true' || pathStyle === '1',
      ...(timeout === undefined ? {} : { timeoutMs: Number(timeout) }),
    },
    uploadMode: mode,
    env,
  };
}

export interface OpenedStorage {
  storage: Storage;
  /** Hands out S3 presigned upload URLs and verifies them at finalize; null in proxy mode. */
  presigned: PresignedUploads | null;
  /** Temp files/objects a crash left behind, removed now. */
  swept: number;
}

/** Opens the configured storage and sweeps what an interrupted upload left behind. */
export async function openStorage(
  settings: StorageSettings | undefined,
  o: { dataDir: string; maxUploadBytes: number; now: () => Date },
): Promise<OpenedStorage> {
  if (!settings?.url) {
    const disk = new LocalDiskStorage(join(o.dataDir, 'files'));
    return { storage: disk, presigned: null, swept: await disk.init() };
  }
  if (o.maxUploadBytes > S3_MAX_COPY_BYTES) {
    throw new CliError(
      `--max-upload-bytes ${o.maxUploadBytes} is over 5 GiB, the most S3 storage copies in one request: lower it.`,
      2,
    );
  }
  // We pin the SDK; its notice about future releases needing Node 22 is not for operators.
  // Credentials and endpoint go to the client config (createS3Client), but this switch has no
  // config option: @aws-sdk/core reads it only from process.env, hence the one global write.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded only for S3: the AWS SDK is ~30 MiB of RSS that a local-disk server does not need
  // (its idle RSS was 115 MiB, the upload benchmark's target is < 150: bench/README.md).
  const [{ createS3Client, parseS3Url }, { PresignedUploads }, { S3Storage }] = await Promise.all([
    import('./s3-client.js'),
    import('./s3-presigned.js'),
    import('./s3-storage.js'),
  ]);
  const storage = new S3Storage(
    createS3Client(settings.s3, settings.env),
    parseS3Url(settings.url),
    { timeoutMs: settings.s3.timeoutMs },
  );
  let swept: number;
  try {
    swept = await storage.init(o.now());
  } catch (error) {
    throw new CliError(
      `Cannot use ${settings.url}: ${(error as Error).message}. Check the bucket, --s3-endpoint (AWS_ENDPOINT_URL), the region and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.`,
      1,
    );
  }
  const presigned = settings.uploadMode === 'presigned' ? new PresignedUploads(storage) : null;
  return { storage, presigned, swept };
}
