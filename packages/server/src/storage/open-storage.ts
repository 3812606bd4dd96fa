/**
 * The storage factory: local disk under `<data-dir>/files` by default, or an S3-compatible
 * bucket with `--storage s3://bucket/prefix`. What to open comes resolved from the settings
 * (settings/storage.ts); this file only opens it.
 */
import { join } from 'node:path';
import { ConfigError, UnavailableError } from '../errors.js';
import type { StorageSettings } from '../settings/storage.js';
import { LocalDiskStorage } from './local-disk.js';
import type { PresignedUploads } from './s3-presigned.js';
import type { Storage } from './storage.js';

export { resolveStorageSettings, type StorageSettings } from '../settings/storage.js';

/** CopyObject, used to promote a verified upload, copies at most 5 GiB in one request. */
const S3_MAX_COPY_BYTES = 5 * 1024 ** 3;

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
  /** `sweep: false`: leave the temp files (other processes may be writing them). */
  o: { dataDir: string; maxUploadBytes: number; now: () => Date; sweep?: boolean },
): Promise<OpenedStorage> {
  if (!settings?.url) {
    const disk = new LocalDiskStorage(join(o.dataDir, 'files'));
    return { storage: disk, presigned: null, swept: await disk.init({ sweep: o.sweep }) };
  }
  if (o.maxUploadBytes > S3_MAX_COPY_BYTES) {
    throw new ConfigError(
      `--max-upload-bytes ${o.maxUploadBytes} is over 5 GiB, the most S3 storage copies in one request: lower it.`,
      'maxUploadBytes',
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
  const storage = new S3Storage(createS3Client(settings.s3), parseS3Url(settings.url), {
    timeoutMs: settings.s3.timeoutMs,
  });
  let swept: number;
  try {
    swept = await storage.init(o.now());
  } catch (error) {
    throw new UnavailableError(
      `Cannot use ${settings.url}: ${(error as Error).message}. Check the bucket, --s3-endpoint (AWS_ENDPOINT_URL), the region and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.`,
      { cause: error },
    );
  }
  const presigned = settings.uploadMode === 'presigned' ? new PresignedUploads(storage) : null;
  return { storage, presigned, swept };
}
