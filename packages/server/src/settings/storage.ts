/**
 * Storage settings as the storage factory takes them: the `--storage` URL, the upload mode and
 * how to reach an S3 store (endpoint, region, path style, timeout, AWS_* credentials), all
 * resolved here so that the S3 adapter never reads the environment.
 */
import { ConfigError } from '../errors.js';
import { S3_KEYS } from './install.js';
import { type Env, type Flags, resolveSettings, type Settings } from './resolve.js';

/** How to reach an S3-compatible store; every field already resolved from flags and env. */
export interface S3Settings {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  /** Per call (see createS3Client); default DEFAULT_S3_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Absent: the SDK's default chain (profiles, SSO, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface StorageSettings {
  /** `s3://bucket/prefix`; undefined = local disk in the data dir. */
  url?: string;
  s3: S3Settings;
  uploadMode: 'proxy' | 'presigned';
}

type S3Keys = (typeof S3_KEYS)[number];

/** The S3 part of resolved settings. */
export function s3SettingsOf(s: Pick<Settings, S3Keys>): S3Settings {
  const key = s.awsAccessKeyId;
  const secret = s.awsSecretAccessKey;
  return {
    endpoint: s.s3Endpoint,
    region: s.s3Region,
    // Most self-hosted stores (radosgw, MinIO, s3rver) have no wildcard DNS for buckets.
    pathStyle: s.s3PathStyle ?? Boolean(s.s3Endpoint),
    ...(s.s3TimeoutMs === undefined ? {} : { timeoutMs: s.s3TimeoutMs }),
    ...(key && secret
      ? {
          credentials: {
            accessKeyId: key,
            secretAccessKey: secret,
            ...(s.awsSessionToken ? { sessionToken: s.awsSessionToken } : {}),
          },
        }
      : {}),
  };
}

/** The S3 settings the environment alone gives (AWS_* and SNAPSHOTPLOT_S3_*). */
export const s3SettingsFromEnv = (env: Env): S3Settings =>
  s3SettingsOf(resolveSettings(S3_KEYS, {}, env));

/** The storage part of resolved settings; ConfigError for a combination that cannot work. */
export function storageSettingsOf(
  s: Pick<Settings, S3Keys | 'storage'> & Partial<Pick<Settings, 'uploadMode'>>,
): StorageSettings {
  const url = s.storage === 'local' ? undefined : s.storage;
  const uploadMode = s.uploadMode ?? 'proxy';
  if (uploadMode === 'presigned' && !url) {
    throw new ConfigError(
      '--upload-mode presigned needs S3 storage: add --storage s3://BUCKET/PREFIX.',
      'uploadMode',
    );
  }
  return { url, s3: s3SettingsOf(s), uploadMode };
}

/** Storage settings from serve's flags and the environment; ConfigError (usage) on bad values. */
export function resolveStorageSettings(flags: Flags, env: Env): StorageSettings {
  return storageSettingsOf(resolveSettings([...S3_KEYS, 'storage', 'uploadMode'], flags, env));
}
