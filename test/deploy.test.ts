// deploy/: the systemd unit passes `systemd-analyze verify` (where systemd is installed), and the
// unit, Dockerfile and compose file name only settings the server reads and never start it
// through npx (npm's exec wrapper would take SIGTERM and orphan the server).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const unit = read('deploy/snapshotplot-server.service');
const SERVER_BIN = join(root, 'packages/server/dist/bin.js');
const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(existsSync);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('deploy/', () => {
  it.skipIf(!systemdAnalyze)('the systemd unit verifies without a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sp-unit-'));
    try {
      // verify checks that ExecStart exists: point it at this checkout's built server.
      const local = unit.replace(
        /^ExecStart=\/opt\/snapshotplot\/node_modules\/\.bin\/snapshotplot-server /m,
        `ExecStart=${process.execPath} ${SERVER_BIN} `,
      );
      expect(local).not.toBe(unit);
      const path = join(dir, 'snapshotplot-server.service');
      await writeFile(path, local);
      const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(systemdAnalyze!, ['verify', path], (err, _o, stderr) =>
          resolve({ code: err ? 1 : 0, stderr }),
        ),
      );
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts the server bin directly, never through npx', () => {
    expect(unit).toMatch(
      /^ExecStart=\/opt\/snapshotplot\/node_modules\/\.bin\/snapshotplot-server serve$/m,
    );
    expect(read('deploy/Dockerfile')).toMatch(/^ENTRYPOINT \["snapshotplot-server"\]$/m);
    for (const f of [
      'deploy/snapshotplot-server.service',
      'deploy/Dockerfile',
      'deploy/compose.yaml',
    ]) {
      expect(
        read(f)
          .split('\n')
          .filter((l) => !l.startsWith('#') && /\bnpx\b/.test(l)),
      ).toEqual([]);
    }
  });

  it('names only settings the server reads', () => {
    const source = files(join(root, 'packages/server/src'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const deploy = [
      'deploy/snapshotplot-server.service',
      'deploy/Dockerfile',
      'deploy/compose.yaml',
    ]
      .map(read)
      .join('\n');
    const names = [...new Set(deploy.match(/\bSNAPSHOTPLOT_[A-Z_]+\b|\bAWS_[A-Z_]+\b/g) ?? [])];
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((n) => !source.includes(n))).toEqual([]);
  });
});
