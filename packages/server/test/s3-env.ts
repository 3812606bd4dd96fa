/**
 * The S3-compatible store the S3 tests run against: SNAPSHOTPLOT_TEST_S3_URL plus the AWS_*
 * variables (.ci/start-radosgw.sh prints them). Absent, the S3 tests skip, unless
 * SNAPSHOTPLOT_REQUIRE_ENGINES=1 (CI), where a missing store fails loudly instead.
 */
import { randomBytes } from 'node:crypto';
import { createS3Client, parseS3Url } from '../src/storage/s3-client.js';
import { S3Storage, type S3StorageOptions } from '../src/storage/s3-storage.js';

// We pin the SDK: its notice that future releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const S3_URL = process.env.SNAPSHOTPLOT_TEST_S3_URL;

if (!S3_URL && process.env.SNAPSHOTPLOT_REQUIRE_ENGINES === '1') {
  throw new Error(
    'SNAPSHOTPLOT_REQUIRE_ENGINES=1 but SNAPSHOTPLOT_TEST_S3_URL is not set: run eval "$(.ci/start-radosgw.sh)" first.',
  );
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
