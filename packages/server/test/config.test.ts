import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration, resolveConfig } from '../src/config.js';
import { CliError } from '../src/errors.js';

describe('server configuration', () => {
  it('uses the documented defaults', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: resolve('./snapshotplot-data'),
      uploadUrlTtl: 900,
      maxUploadBytes: 50 * 1024 * 1024,
    });
  });

  it('has no public URL by default (the bound address is used)', () => {
    expect(resolveConfig({}, {}).publicUrl).toBeUndefined();
  });

  it('takes environment variables, and flags win over them', () => {
    const env = {
      PORT: '9000',
      SNAPSHOTPLOT_DATA_DIR: '/srv/plots',
      SNAPSHOTPLOT_PUBLIC_URL: 'https://plots.example.com',
      SNAPSHOTPLOT_UPLOAD_URL_TTL: '60',
      SNAPSHOTPLOT_MAX_UPLOAD_BYTES: '1000',
      SNAPSHOTPLOT_SECRET: 's'.repeat(40),
    };
    expect(resolveConfig({}, env)).toMatchObject({
      port: 9000,
      dataDir: '/srv/plots',
      publicUrl: 'https://plots.example.com',
      uploadUrlTtl: 60,
      maxUploadBytes: 1000,
      secret: 's'.repeat(40),
    });
    expect(resolveConfig({ port: '0', uploadUrlTtl: '5' }, env)).toMatchObject({
      port: 0,
      uploadUrlTtl: 5,
    });
  });

  it('names the flag and the variable of a bad value (exit code 2)', () => {
    const attempt = (flags: Record<string, string>, env: Record<string, string> = {}) => {
      try {
        resolveConfig(flags, env);
      } catch (error) {
        return error as CliError;
      }
      throw new Error('accepted');
    };
    expect(attempt({ port: '70000' })).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--port \(or PORT/),
    });
    expect(attempt({}, { SNAPSHOTPLOT_PUBLIC_URL: 'ftp://x' }).message).toMatch(/--public-url/);
    expect(attempt({}, { SNAPSHOTPLOT_SECRET: 'short' }).message).toMatch(
      /SNAPSHOTPLOT_SECRET.*32/,
    );
    expect(attempt({ maxUploadBytes: '-1' })).toBeInstanceOf(CliError);
  });

  it('parses durations like 30d', () => {
    expect(parseDuration('30d')).toBe(30 * 86400);
    expect(parseDuration('12h')).toBe(43200);
    expect(parseDuration('90')).toBe(90);
    expect(() => parseDuration('soon')).toThrow(/30d/);
  });
});
