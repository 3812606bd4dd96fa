import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, leafCommands } from '../src/cli/program.js';
import { parseDuration, resolveConfig } from '../src/config.js';
import { CliError, ConfigError, TransferError, UnavailableError } from '../src/errors.js';
import type { Setting } from '../src/settings/define.js';
import { resolveInstall } from '../src/settings/options.js';
import { SETTINGS } from '../src/settings/resolve.js';

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

describe('install settings (every command)', () => {
  const pg = (name: string) => `postgres://u@db/${name}`;
  it('take the flag, else the first variable set (empty ones skipped), else the default', () => {
    const env = {
      SNAPSHOTPLOT_DATABASE_URL: '',
      DATABASE_URL: pg('env'),
      SNAPSHOTPLOT_DATA_DIR: '/srv/sp',
    };
    expect(resolveInstall({}, env)).toMatchObject({ databaseUrl: pg('env'), dataDir: '/srv/sp' });
    expect(resolveInstall({}, { ...env, SNAPSHOTPLOT_DATABASE_URL: pg('first') }).databaseUrl).toBe(
      pg('first'),
    );
    expect(resolveInstall({ databaseUrl: pg('flag'), dataDir: 'rel' }, env)).toMatchObject({
      databaseUrl: pg('flag'),
      dataDir: resolve('rel'),
    });
    expect(resolveInstall({}, {})).toEqual({
      dataDir: resolve('./snapshotplot-data'),
      s3Region: 'us-east-1',
    });
  });

  it('name only the variable of a setting that has no flag', () => {
    expect(() => resolveInstall({}, { SNAPSHOTPLOT_SECRET: 'short' })).toThrow(
      /^Invalid SNAPSHOTPLOT_SECRET: must be at least 32 characters\.$/,
    );
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| '));
  const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  /** A table row's cells (a `\\|` inside a cell is not a separator). */
  const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1);
  const variables = (cell: string) => ticked(cell).filter((t) => /^[A-Z][A-Z0-9_]+$/.test(t!));

  it('lists every setting with the variables the code reads, in the same order', () => {
    for (const [key, s] of Object.entries(SETTINGS) as Array<[string, Setting]>) {
      if (key.startsWith('aws')) continue; // the AWS_* credentials are described in prose
      const flag = s.flag?.split(' ')[0];
      const row = rows.find((r) => {
        const [first, second] = r
          .split('|')
          .slice(1, 3)
          .map((c) => c.trim());
        return flag ? first === `\`${flag}\`` : first === '—' && ticked(second!)[0] === s.env[0];
      });
      expect(row, `${key}: a row for ${flag ?? s.env[0]}`).toBeDefined();
      expect(variables(cells(row!)[1]!), key).toEqual(s.env);
    }
  });

  it('names every command, and its exit-code table matches the typed errors', () => {
    const io = { env: {}, stdout() {}, stderr() {}, now: () => new Date() };
    for (const cmd of leafCommands(buildProgram(io))) {
      const path = cmd.parent?.parent ? [cmd.parent.name(), cmd.name()] : [cmd.name()];
      const named = rows.some((r) => {
        const first = cells(r)[0]!.trim();
        return first.startsWith(`\`${path[0]} `) && (!path[1] || first.includes(path[1]));
      });
      expect(named, path.join(' ')).toBe(true);
    }
    const codes = rows.filter((r) => /^\| `[0-2]` /.test(r)).map((r) => ticked(r)[0]);
    expect(codes).toEqual(['0', '1', '2']);
    expect(new ConfigError('x', 'storage').exitCode).toBe(2);
    expect(new UnavailableError('x').exitCode).toBe(1);
    expect(new TransferError('x').exitCode).toBe(1);
  });
});
