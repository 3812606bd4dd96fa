/** --database-url / DATABASE_URL errors (built bin, run `pnpm build` first; no PostgreSQL needed). */
import { runServerCli } from 'snapshotplot-server/testing';
import { describe, expect, it } from 'vitest';

const fail = (args: string[], env: Record<string, string>) =>
  runServerCli(args, env).then(
    () => {
      throw new Error('expected the command to fail');
    },
    (e: { code: number; stderr: string }) => e,
  );

describe('the database URL', () => {
  it('an unreachable PostgreSQL: exit 1, one line naming host and fix, never the password', async () => {
    const e = await fail(['project', 'list'], {
      DATABASE_URL: 'postgres://app:hunter2secret@127.0.0.1:1/snapshotplot',
    });
    expect(e.code).toBe(1);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    expect(e.stderr).toContain('Cannot connect to PostgreSQL at 127.0.0.1:1/snapshotplot');
    expect(e.stderr).toContain('DATABASE_URL');
    expect(e.stderr).not.toContain('hunter2secret');
  });

  it('a URL that is not postgres:// is a usage error (exit 2)', async () => {
    const e = await fail(['serve', '--port', '0', '--database-url', 'mysql://db/x'], {});
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('--database-url');
  });
});
