// The action's release script against a local bare repository: what `uses: org/action@v1`
// resolves to after each release, and the refusals (bad tag, a tag that exists).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../scripts/release-action.mjs', import.meta.url));
let dir: string;
let bare: string;

function run(cmd: string, args: string[], cwd?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const release = (...args: string[]) => run(process.execPath, [SCRIPT, '--to', bare, ...args]);
const git = async (...args: string[]) => (await run('git', ['-C', bare, ...args])).stdout.trim();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-release-'));
  bare = join(dir, 'snapshotplot-action.git');
  await run('git', ['init', '-q', '--bare', '-b', 'main', bare]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('scripts/release-action.mjs', () => {
  it('publishes action.yml, dist, README and LICENSE with vX.Y.Z and the moving v1', async () => {
    const r = await release('--tag', 'v1.2.3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/released v1\.2\.3 .*; v1 moved to it/);
    expect(await git('rev-parse', 'v1.2.3^{commit}')).toBe(await git('rev-parse', 'main'));
    expect(await git('rev-parse', 'v1^{commit}')).toBe(await git('rev-parse', 'main'));
    const files = (await git('ls-tree', '-r', '--name-only', 'v1')).split('\n');
    expect(files).toEqual(
      expect.arrayContaining(['action.yml', 'dist/index.js', 'README.md', 'LICENSE']),
    );
    expect(files.some((f) => f.startsWith('packages/') || f.startsWith('src/'))).toBe(false);
    const yml = await git('show', 'v1:action.yml');
    expect(yml).toMatch(/^ {2}using: node24\n {2}main: dist\/index\.js$/m);
    // The committed bundle byte for byte (compared by git's blob hash: it is megabytes).
    const local = fileURLToPath(new URL('../packages/action/dist/index.js', import.meta.url));
    expect(await git('rev-parse', 'v1:dist/index.js')).toBe(
      (await run('git', ['hash-object', local])).stdout.trim(),
    );
    // Links into the monorepo still work from the action's own repository.
    const readme = await git('show', 'v1:README.md');
    expect(readme).not.toMatch(/\]\(\.\.?\//);
    expect(readme).toContain(
      'https://github.com/snapshotplot/snapshotplot/blob/v1.2.3/packages/core/README.md',
    );
  });

  it('moves v1 on the next minor, leaves the old tag, and a prerelease moves nothing', async () => {
    const old = await git('rev-parse', 'v1.2.3^{commit}');
    expect((await release('--tag', 'v1.3.0')).code).toBe(0);
    expect(await git('rev-parse', 'v1.2.3^{commit}')).toBe(old);
    const v130 = await git('rev-parse', 'v1.3.0^{commit}');
    expect(await git('rev-parse', 'v1^{commit}')).toBe(v130);
    expect(await git('rev-parse', 'main')).toBe(v130);
    expect(await git('rev-list', '--count', 'main')).toBe('2');

    const rc = await release('--tag', 'v2.0.0-rc.1');
    expect(rc.code).toBe(0);
    expect(rc.stdout).not.toMatch(/moved/);
    expect(await git('rev-parse', 'v1^{commit}')).toBe(v130);
    expect(await git('tag', '--list', 'v2')).toBe('');
  });

  it('refuses a tag the repository has (exit 2) and changes nothing', async () => {
    const before = await git('rev-parse', 'main');
    const r = await release('--tag', 'v1.3.0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already has v1\.3\.0: releases are immutable/);
    expect(await git('rev-parse', 'main')).toBe(before);
  });

  it.each([
    [['--tag', '1.2.3'], /--tag must be a version tag like v1\.2\.3/],
    [['--tag', 'v1.2'], /--tag must be a version tag/],
    [[], /--tag must be a version tag .*got nothing/],
    [['--tag', 'v1.0.0', '--bogus'], /Unknown option '--bogus'.*Usage:/],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const r = await release(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names git when the repository cannot be reached (exit 1)', async () => {
    const r = await run(process.execPath, [
      SCRIPT,
      '--to',
      join(dir, 'missing.git'),
      '--tag',
      'v1.0.0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^release-action: git failed: .*missing\.git/);
  });
});
