/**
 * The S3-compatible store the S3 tests run against: SNAPSHOTPLOT_TEST_S3_URL plus the AWS_*
 * variables (.ci/start-radosgw.sh prints them). Absent, the S3 tests skip, unless
 * SNAPSHOTPLOT_REQUIRE_ENGINES=1 (CI), where a missing store fails loudly instead.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { resolveStorageSettings, type StorageSettings } from '../src/storage/open-storage.js';
import { createS3Client, parseS3Url } from '../src/storage/s3-client.js';
import { S3Storage, type S3StorageOptions } from '../src/storage/s3-storage.js';

// We pin the SDK: its notice that future releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const S3_URL = process.env.SNAPSHOTPLOT_TEST_S3_URL;

/** Call at the top of an S3 test file: in CI (REQUIRE_ENGINES) a missing store is an error. */
export function requireS3WhenEnginesRequired(): void {
  if (!S3_URL && process.env.SNAPSHOTPLOT_REQUIRE_ENGINES === '1') {
    throw new Error(
      'SNAPSHOTPLOT_REQUIRE_ENGINES=1 but SNAPSHOTPLOT_TEST_S3_URL is not set: run eval "$(.ci/start-radosgw.sh)" first.',
    );
  }
}

/** A fresh prefix under the test URL, so runs and files never see each other's objects. */
export function s3TestUrl(): string {
  return `${S3_URL!.replace(/\/+$/, '')}/${randomBytes(6).toString('hex')}`;
}

/** An S3Storage on a fresh prefix (small parts so multipart is exercised cheaply). */
export function s3TestStorage(o: S3StorageOptions = {}): S3Storage {
  const url = s3TestUrl();
  return new S3Storage(createS3Client({}, process.env), parseS3Url(url), {
    partSize: 5 * 1024 * 1024,
    ...o,
  });
}

/** Whether the whole suite should run on S3 (`pnpm test:s3`: SNAPSHOTPLOT_TEST_STORAGE=s3). */
export const SUITE_ON_S3 = process.env.SNAPSHOTPLOT_TEST_STORAGE === 's3';

/** Storage settings for an in-process test server: S3 on a fresh prefix under `pnpm test:s3`. */
export function suiteStorage(dataDir: string): StorageSettings | undefined {
  if (!SUITE_ON_S3) return undefined;
  if (!S3_URL) throw new Error('SNAPSHOTPLOT_TEST_STORAGE=s3 needs SNAPSHOTPLOT_TEST_S3_URL.');
  // One prefix per data dir, so a server restarted on the same data dir finds its files.
  const url = suitePrefixes.get(dataDir) ?? s3TestUrl();
  suitePrefixes.set(dataDir, url);
  return resolveStorageSettings({ storage: url }, process.env);
}

const suitePrefixes = new Map<string, string>();

/** Every object under a storage URL's prefix, relative to it, sorted (like helpers' files()). */
export async function objectsUnder(url: string): Promise<string[]> {
  const loc = parseS3Url(url);
  const client = createS3Client({}, process.env);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(
      new ListObjectsV2Command({
        Bucket: loc.bucket,
        Prefix: `${loc.prefix}/`,
        ContinuationToken: token,
      }),
    );
    for (const o of r.Contents ?? []) keys.push(o.Key!.slice(loc.prefix.length + 1));
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
