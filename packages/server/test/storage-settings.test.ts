/** Storage flags and environment of `serve` (no store needed), and a bucket that cannot be reached. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVER_BIN } from 'snapshotplot-server/testing';
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { resolveStorageSettings } from '../src/storage/open-storage.js';
import { parseS3Url } from '../src/storage/s3-client.js';

describe('storage settings', () => {
  it('defaults to the local disk; flags win over the environment', () => {
    expect(resolveStorageSettings({}, {})).toMatchObject({ url: undefined, uploadMode: 'proxy' });
    expect(resolveStorageSettings({ storage: 'local' }, {}).url).toBeUndefined();
    const s = resolveStorageSettings(
      { storage: 's3://flag-bucket/p', s3Region: 'eu-west-1', s3PathStyle: true },
      {
        SNAPSHOTPLOT_STORAGE: 's3://env-bucket/q',
        SNAPSHOTPLOT_S3_ENDPOINT: 'http://127.0.0.1:9000',
        SNAPSHOTPLOT_UPLOAD_MODE: 'presigned',
      },
    );
    expect(s).toMatchObject({
      url: 's3://flag-bucket/p',
      uploadMode: 'presigned',
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', pathStyle: true },
    });
    expect(parseS3Url('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
  });

  it('refuses bad values with exit code 2 and a message naming the fix', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ storage: '/var/files' }, /--storage.*s3:\/\/BUCKET/],
      [{ storage: 's3://b', uploadMode: 'sideways' }, /--upload-mode.*proxy or presigned/],
      [{ uploadMode: 'presigned' }, /needs S3 storage/],
      [{ storage: 's3://b', s3Endpoint: 'ftp://x' }, /--s3-endpoint/],
    ];
    for (const [flags, message] of bad) {
      let error: unknown;
      try {
        resolveStorageSettings(flags, {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(message);
    }
    for (const url of ['s3://UPPER/x', 's3://b/../x', 'http://b/x']) {
      expect(() => parseS3Url(url)).toThrow(CliError);
    }
  });

  it('serve exits 1 with one line naming the bucket when the store cannot be reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sp-s3-down-'));
    try {
      const r = await promisify(execFile)(
        process.execPath,
        [SERVER_BIN, 'serve', '--port', '0', '--data-dir', dir, '--storage', 's3://nope/x'],
        {
          env: {
            ...process.env,
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
            AWS_ACCESS_KEY_ID: 'k',
            AWS_SECRET_ACCESS_KEY: 's',
          },
        },
      ).catch((e: { code: number; stderr: string }) => e);
      expect((r as { code: number }).code).toBe(1);
      const stderr = (r as { stderr: string }).stderr.trim();
      expect(stderr).toMatch(/Cannot use s3:\/\/nope\/x: .*--s3-endpoint/);
      expect(stderr.split('\n')).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
