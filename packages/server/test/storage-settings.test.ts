/** Storage flags and environment of `serve` (no store needed), and a bucket that cannot be reached. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

  it('reads the AWS_* variables into the settings; the S3 adapter reads no environment', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_REGION: 'eu-north-1',
      AWS_ACCESS_KEY_ID: 'key',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
    };
    expect(resolveStorageSettings({ storage: 's3://bkt/p' }, env).s3).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-north-1',
      pathStyle: true,
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret', sessionToken: 'session' },
    });
    // The SNAPSHOTPLOT_* variable and the flag win; no keys: the SDK's default chain.
    expect(
      resolveStorageSettings(
        { storage: 's3://bkt/p', s3Endpoint: 'https://flag.example' },
        { AWS_ENDPOINT_URL: 'http://aws', SNAPSHOTPLOT_S3_REGION: 'r1', AWS_REGION: 'r2' },
      ).s3,
    ).toEqual({ endpoint: 'https://flag.example', region: 'r1', pathStyle: true });
    expect(resolveStorageSettings({}, {}).s3).toEqual({ region: 'us-east-1', pathStyle: false });
    const adapter = readdirSync(new URL('../src/storage/', import.meta.url)).filter((f) =>
      f.startsWith('s3-'),
    );
    expect(adapter).toEqual(expect.arrayContaining(['s3-client.ts', 's3-storage.ts']));
    for (const file of adapter) {
      const text = readFileSync(new URL(`../src/storage/${file}`, import.meta.url), 'utf8');
      expect(text, file).not.toMatch(/process\.env|\bAWS_[A-Z_]+/);
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
