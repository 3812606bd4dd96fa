/**
 * Every command takes the same install flags (`--data-dir`, `--database-url`, `--storage`, the
 * S3 connection) from one shared option set with the same environment fallbacks; a bad value
 * is a usage error naming the flag before anything is written. The end-to-end half runs the
 * built bin (run `pnpm build` first) on PostgreSQL and S3 when their test URLs are set.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { SERVER_BIN } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, leafCommands } from '../src/cli/program.js';
import { CliError, ConfigError } from '../src/errors.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';

const INSTALL_FLAGS = [
  '--data-dir',
  '--database-url',
  '--storage',
  '--s3-endpoint',
  '--s3-region',
  '--s3-path-style',
  '--s3-timeout-ms',
];

const quietIo = (env: Record<string, string | undefined> = {}) => ({
  env,
  stdout: () => {},
  stderr: () => {},
  now: () => new Date(),
});

/** The command path of a leaf (`['project', 'create']`). */
const pathOf = (cmd: ReturnType<typeof leafCommands>[number]): string[] => {
  const names: string[] = [];
  for (let c: typeof cmd | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
};

const leaves = leafCommands(buildProgram(quietIo()));

/** Arguments that satisfy a command's required options and arguments with dummy values. */
function minimalArgs(cmd: (typeof leaves)[number]): string[] {
  const args = pathOf(cmd);
  for (const o of cmd.options) if (o.mandatory) args.push(o.long!, 'http://x.example/y');
  for (const _ of cmd.registeredArguments) args.push('x');
  return args;
}

/** Runs a command line in-process; the error it ends with (null when it succeeded). */
async function failure(args: string[], env: Record<string, string> = {}) {
  try {
    await buildProgram(quietIo(env)).parseAsync(args, { from: 'user' });
    return null;
  } catch (error) {
    if (error instanceof CommanderError || error instanceof CliError) return error;
    throw error;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-install-flags-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the shared install option set', () => {
  it('is on every command, with one description per flag', () => {
    expect(leaves.map((c) => pathOf(c).join(' '))).toEqual(
      expect.arrayContaining(['serve', 'project create', 'token create', 'migrate', 'export']),
    );
    const help = new Map<string, string>();
    for (const cmd of leaves) {
      const longs = cmd.options.map((o) => o.long);
      expect(new Set(longs).size, pathOf(cmd).join(' ')).toBe(longs.length);
      for (const flag of INSTALL_FLAGS) {
        const option = cmd.options.find((o) => o.long === flag);
        expect(option, `${pathOf(cmd).join(' ')} ${flag}`).toBeDefined();
        help.set(flag, help.get(flag) ?? option!.description);
        expect(option!.description).toBe(help.get(flag));
      }
    }
    expect(help.get('--database-url')).toContain('SNAPSHOTPLOT_DATABASE_URL, DATABASE_URL');
    expect(help.get('--storage')).toContain('SNAPSHOTPLOT_STORAGE');
  });

  it('refuses a bad value of each flag and variable on every command: usage, names the flag, writes nothing', async () => {
    const bad: Array<[string[], Record<string, string>, RegExp]> = [
      [['--storage', '/var/files'], {}, /^Invalid --storage .*use local or s3:\/\/BUCKET\/PREFIX/],
      [['--storage', 's3://UPPER/x'], {}, /^Invalid --storage .*lower-case bucket name/],
      [[], { SNAPSHOTPLOT_STORAGE: 'ftp://x' }, /--storage \(or SNAPSHOTPLOT_STORAGE\)/],
      [['--database-url', 'mysql://db/x'], {}, /^Invalid --database-url .*postgres:\/\//],
      [[], { DATABASE_URL: 'sqlite:x' }, /--database-url \(or SNAPSHOTPLOT_DATABASE_URL/],
      [['--data-dir', ''], {}, /^Invalid --data-dir .*give a directory/],
      [['--s3-endpoint', 'ftp://x'], {}, /--s3-endpoint.*http\(s\):\/\/HOST/],
      [['--s3-timeout-ms', '5'], {}, /--s3-timeout-ms.*at least 100/],
      [[], { SNAPSHOTPLOT_S3_PATH_STYLE: 'yes' }, /--s3-path-style.*1, true, 0 or false/],
      [[], { SNAPSHOTPLOT_SECRET: 'short' }, /^Invalid SNAPSHOTPLOT_SECRET: .*32 characters/],
    ];
    for (const cmd of leaves) {
      for (const [flags, env, message] of bad) {
        const dataDir = join(dir, 'never-made');
        const args = [
          ...minimalArgs(cmd),
          ...(flags[0] === '--data-dir' ? [] : ['--data-dir', dataDir]),
          ...flags,
        ];
        const error = await failure(args, env);
        expect(error, args.join(' ')).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).exitCode).toBe(2);
        expect((error as Error).message, args.join(' ')).toMatch(message);
        expect((error as Error).message).not.toContain('\n');
        expect(existsSync(dataDir)).toBe(false);
      }
    }
  });

  it('lives in cli/: the gallery keeps only the link format and imports nothing from cli/', () => {
    const gallery = new URL('../src/gallery/', import.meta.url);
    const files = readdirSync(gallery).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('login-link.ts');
    expect(files).not.toContain('login-link-command.ts');
    for (const f of files) {
      expect(readFileSync(new URL(f, gallery), 'utf8'), f).not.toMatch(/from '\.\.\/cli\//);
    }
    expect(leaves.map((c) => c.name())).toContain('login-link');
  });

  it('never echoes a database URL or a secret in the message', async () => {
    const error = await failure(['project', 'list', '--database-url', 'mysql://u:hunter2@db/x']);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [SERVER_BIN, ...args],
      // No inherited DATABASE_URL / SNAPSHOTPLOT_STORAGE: each case says where the install is.
      { env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('install flags through the built bin', () => {
  it('a bad --storage is exit 2 with one line naming the flag and the fix, no stack', async () => {
    const r = await cli(['project', 'list', '--data-dir', dir, '--storage', '/var/files']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--storage.*use local or s3:\/\/BUCKET\/PREFIX/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('--storage local and an s3:// URL are accepted by commands that do not open the storage', async () => {
    const data = join(dir, 'storage-flags');
    for (const storage of ['local', 's3://some-bucket/prefix']) {
      const p = await cli(['project', 'list', '--data-dir', data, '--storage', storage, '--json']);
      expect(p, storage).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(p.stdout)).toEqual([]);
    }
    const run = await cli([
      'retention',
      'run',
      '--dry-run',
      '--data-dir',
      data,
      '--storage',
      'local',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });

  const admin = testDatabaseAdminUrl();
  it.skipIf(!admin)('project create --database-url works on PostgreSQL, like serve', async () => {
    const db = await createTestDatabase(admin!);
    const data = await mkdtemp(join(tmpdir(), 'sp-pg-flags-'));
    try {
      const where = ['--database-url', db.url, '--data-dir', data];
      const p = await cli([
        'project',
        'create',
        '--name',
        'PG',
        '--id',
        'proj_pg',
        ...where,
        '--json',
      ]);
      expect(p).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(p.stdout)).toEqual({ id: 'proj_pg', name: 'PG' });
      const t = await cli(['token', 'create', '--project', 'proj_pg', ...where, '--json']);
      expect(JSON.parse(t.stdout)).toMatchObject({ project_id: 'proj_pg', role: 'publisher' });
      const m = await cli(['migrate', ...where, '--json']);
      expect(JSON.parse(m.stdout)).toEqual({ backend: 'postgres', status: 'ok' });
      // The same database through the variable; nothing went to SQLite in the data dir.
      const list = await cli(['project', 'list', '--data-dir', data, '--json'], {
        SNAPSHOTPLOT_DATABASE_URL: db.url,
      });
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 'proj_pg' })]);
      expect(await readdir(data)).not.toContain('snapshotplot.db');
    } finally {
      await rm(data, { recursive: true, force: true });
      await db.drop();
    }
  });

  const s3 = process.env.SNAPSHOTPLOT_TEST_S3_URL;
  it.skipIf(!s3)(
    'retention run --storage s3://… reaches the bucket with the AWS_* variables',
    async () => {
      const aws = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => k.startsWith('AWS_')),
      ) as Record<string, string>;
      const data = join(dir, 's3-flags');
      const url = `${s3!.replace(/\/+$/, '')}/install-flags-${Date.now()}`;
      const r = await cli(
        ['retention', 'run', '--dry-run', '--data-dir', data, '--storage', url],
        aws,
      );
      expect(r).toMatchObject({ code: 0, stderr: '' });
    },
  );
});
