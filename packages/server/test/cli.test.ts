/** The admin commands end to end through the built bin (run `pnpm build` first). */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_BIN, startTestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [SERVER_BIN, ...args],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('admin command line', () => {
  it('project create (env SNAPSHOTPLOT_DATA_DIR), token create/list/revoke, member add/remove', async () => {
    const env = { SNAPSHOTPLOT_DATA_DIR: dir };
    const p = await cli(['project', 'create', '--name', 'CLI', '--id', 'proj_cli', '--json'], env);
    expect(p).toMatchObject({ code: 0 });
    expect(JSON.parse(p.stdout)).toEqual({ id: 'proj_cli', name: 'CLI' });
    const dup = await cli(['project', 'create', '--name', 'again', '--id', 'proj_cli'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists.*another --id/);

    const t = JSON.parse(
      (
        await cli(
          [
            'token',
            'create',
            '--project',
            'proj_cli',
            '--name',
            'ci',
            '--expires-in',
            '30d',
            '--json',
          ],
          env,
        )
      ).stdout,
    );
    expect(t).toMatchObject({ project_id: 'proj_cli', role: 'publisher' });
    const list = JSON.parse(
      (await cli(['token', 'list', '--project', 'proj_cli', '--json'], env)).stdout,
    ) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: t.id, name: 'ci', role: 'publisher', revoked_at: null });
    expect(JSON.stringify(list)).not.toContain(t.token);
    expect(list[0]!.expires_at).toBeTruthy();
    const revoked = await cli(['token', 'revoke', t.id, '--json'], env);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: t.id, revoked: true });
    expect((await cli(['token', 'revoke', t.id], env)).code).toBe(1);

    const m = await cli(
      ['member', 'add', '--project', 'proj_cli', '--user', 'u-1', '--role', 'admin', '--json'],
      env,
    );
    expect(JSON.parse(m.stdout)).toEqual({ project_id: 'proj_cli', user_id: 'u-1', role: 'admin' });
    expect(
      (await cli(['member', 'remove', '--project', 'proj_cli', '--user', 'u-1'], env)).code,
    ).toBe(0);
    expect(
      (await cli(['member', 'remove', '--project', 'proj_cli', '--user', 'u-1'], env)).code,
    ).toBe(1);
  });

  it('six admin commands racing on a fresh data dir all succeed (migrations retried)', async () => {
    const fresh = join(dir, 'race');
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        cli(['project', 'create', '--name', `p${i}`, '--data-dir', fresh, '--json']),
      ),
    );
    expect(runs.map((r) => [r.code, r.stderr])).toEqual(Array(6).fill([0, '']));
    const list = JSON.parse((await cli(['project', 'list', '--data-dir', fresh, '--json'])).stdout);
    expect(list).toHaveLength(6);
  });

  it('fails with one line and a non-zero code for bad input', async () => {
    const noProject = await cli([
      'token',
      'create',
      '--project',
      'proj_missing',
      '--data-dir',
      dir,
    ]);
    expect(noProject.code).toBe(1);
    expect(noProject.stderr.trim().split('\n')).toHaveLength(1);
    expect(noProject.stderr).toContain('project create');
    const badRole = await cli([
      'token',
      'create',
      '--project',
      'proj_cli',
      '--role',
      'owner',
      '--data-dir',
      dir,
    ]);
    expect(badRole.code).toBe(2);
    const badId = await cli([
      'project',
      'create',
      '--name',
      'x',
      '--id',
      '../x',
      '--data-dir',
      dir,
    ]);
    expect(badId.code).toBe(2);
    const badPort = await cli(['serve', '--port', 'abc', '--data-dir', dir]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port.*PORT/);
    expect(badPort.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('serve takes SNAPSHOTPLOT_PUBLIC_URL from the environment for upload URLs', async () => {
    const s = await startTestServer({
      env: { SNAPSHOTPLOT_PUBLIC_URL: 'https://plots.example.com/' },
    });
    try {
      const project = await s.createProject();
      const token = await s.createToken(project.id);
      const res = await fetch(`${s.url}/api/snapshots/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project_id: project.id, title: 't' }),
      });
      const body = (await res.json()) as { upload_urls: { plot: string } };
      expect(body.upload_urls.plot.startsWith('https://plots.example.com/upload/plot/')).toBe(true);
    } finally {
      await s.destroy();
    }
  });
});
