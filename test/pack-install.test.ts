// What a user gets from npm: each package packed (`pnpm pack`, which turns workspace:* into
// versions), the tarballs installed with npm into an empty folder outside the workspace, and
// the installed bins used as the README says: serve, project create, token create, publish.
// Third-party dependencies come from the registry. better-sqlite3's native build is copied from
// the workspace when the versions match (the same compile, minutes saved); else npm rebuilds it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['api-client', 'core', 'cli', 'server'];
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
let dir: string;
let server: ChildProcess | undefined;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-pack-install-'));
  const packs = join(dir, 'packs');
  for (const p of PACKAGES) {
    const r = await run('pnpm', ['pack', '--pack-destination', packs], join(root, 'packages', p));
    expect(r.code, r.stderr).toBe(0);
  }
  const app = join(dir, 'app');
  await run('mkdir', ['-p', app], dir);
  await writeFile(join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}\n');
  const tarballs = (await readdir(packs)).map((f) => join(packs, f));
  const install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs],
    app,
  );
  expect(install.code, install.stderr).toBe(0);
  const installed = join(app, 'node_modules', 'better-sqlite3');
  const workspace = dirname(
    createRequire(join(root, 'packages', 'server', 'package.json')).resolve(
      'better-sqlite3/package.json',
    ),
  );
  const version = (d: string) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).version;
  if (version(installed) === version(workspace) && existsSync(join(workspace, 'build'))) {
    mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
    copyFileSync(
      join(workspace, 'build', 'Release', 'better_sqlite3.node'),
      join(installed, 'build', 'Release', 'better_sqlite3.node'),
    );
  } else {
    const rebuild = await run('npm', ['rebuild', 'better-sqlite3'], app);
    expect(rebuild.code, rebuild.stderr).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm tarballs, installed outside the workspace', () => {
  it('ship no build info, no source maps without sources, and a LICENSE each', async () => {
    for (const f of await readdir(join(dir, 'packs'))) {
      const list = await run('tar', ['tzf', join(dir, 'packs', f)], dir);
      const files = list.stdout.trim().split('\n');
      expect(files, f).toContain('package/LICENSE');
      expect(
        files.filter((x) => /tsbuildinfo|\.map$|\/src\//.test(x)),
        f,
      ).toEqual([]);
    }
  });

  it('the CLI declares no runtime dependency: its bundle carries them (and their licenses)', () => {
    const app = join(dir, 'app', 'node_modules');
    const cli = JSON.parse(readFileSync(join(app, 'snapshotplot', 'package.json'), 'utf8'));
    expect(cli.dependencies ?? {}).toEqual({});
    expect(
      readFileSync(join(app, 'snapshotplot', 'dist', 'THIRD-PARTY-LICENSES.txt'), 'utf8'),
    ).toMatch(/^zod@/m);
  });

  it('serve, project create, token create and snapshotplot publish work from the installed bins', async () => {
    const app = join(dir, 'app');
    const bin = (name: string) => join(app, 'node_modules', '.bin', name);
    const data = join(dir, 'data');
    const env = { SNAPSHOTPLOT_DATABASE_URL: '', DATABASE_URL: '', SNAPSHOTPLOT_STORAGE: '' };
    const project = await run(
      bin('snapshotplot-server'),
      ['project', 'create', '--name', 'npm', '--data-dir', data, '--json'],
      app,
      env,
    );
    expect(project.code, project.stderr).toBe(0);
    const { id } = JSON.parse(project.stdout) as { id: string };
    const token = await run(
      bin('snapshotplot-server'),
      ['token', 'create', '--project', id, '--data-dir', data, '--json'],
      app,
      env,
    );
    expect(token.code, token.stderr).toBe(0);
    const secret = (JSON.parse(token.stdout) as { token: string }).token;

    server = spawn(
      bin('snapshotplot-server'),
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', data, '--log-level', 'silent'],
      {
        cwd: app,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      server!.stderr!.setEncoding('utf8').on('data', (s: string) => {
        err += s;
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      server!.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });

    await writeFile(join(app, 'loss.png'), PNG);
    await writeFile(join(app, 'loss.py'), 'print("plot")\n');
    const publish = await run(
      bin('snapshotplot'),
      [
        'publish',
        '--api-url',
        url,
        '--token',
        secret,
        '--project',
        id,
        '--plot',
        'loss.png',
        '--code',
        'loss.py',
        '--json',
      ],
      app,
      { SNAPSHOTPLOT_API_URL: '', SNAPSHOTPLOT_TOKEN: '', SNAPSHOTPLOT_PROJECT: '' },
    );
    expect(publish.code, publish.stderr).toBe(0);
    expect(JSON.parse(publish.stdout)).toMatchObject({ status: 'ready', title: 'loss' });
  });
});
