// `npx snapshotplot-server serve`: when npm's exec wrapper goes away (a service manager's
// SIGTERM reaches it, not the server), the server shuts down instead of running on orphaned.
// The wrapper is simulated by a node process that starts the built bin and is then SIGKILLed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_BIN } from '../src/testing.js';

const dirs: string[] = [];
const pids: number[] = [];
afterAll(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Running, not exited (a zombie no one has reaped yet counts as exited: Linux /proc). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

/** A wrapper that starts `serve` (as npm exec would) and prints the server's pid once it listens. */
async function startUnderWrapper(env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'sp-npx-'));
  dirs.push(dataDir);
  const script = `
    const { spawn } = require('node:child_process');
    const c = spawn(process.execPath, ${JSON.stringify([SERVER_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'])}, { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr.on('data', (d) => { if (/listening on/.test(String(d))) console.log(c.pid); });
    setInterval(() => {}, 1000);`;
  const wrapper = spawn(process.execPath, ['-e', script], {
    env: {
      ...process.env,
      SNAPSHOTPLOT_DATABASE_URL: '',
      DATABASE_URL: '',
      SNAPSHOTPLOT_STORAGE: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    wrapper.stdout!.setEncoding('utf8').on('data', (s: string) => resolve(Number(s.trim())));
    wrapper.once('exit', () => reject(new Error('the wrapper exited before the server listened')));
  });
  pids.push(pid);
  return { wrapper, pid };
}

describe('a server started through npx', () => {
  it('shuts down when the npm exec wrapper is gone', async () => {
    const { wrapper, pid } = await startUnderWrapper({ npm_command: 'exec' });
    expect(alive(pid)).toBe(true);
    wrapper.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it('started directly (no npm exec), it keeps serving when its parent exits', async () => {
    const { wrapper, pid } = await startUnderWrapper({ npm_command: '' });
    wrapper.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    expect(alive(pid)).toBe(true);
  });
});
