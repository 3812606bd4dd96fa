/**
 * The built bin under a low descriptor limit (run `pnpm build` first): without
 * --max-connections the cap is half of `ulimit -n`, so sockets can never take every
 * descriptor, and the process still answers once the extra connections are gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_BIN } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exchange, open } from './slow-bodies-helpers.js';

const LIMIT = 256;
let child: ChildProcess;
let url: string;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sp-slow-proc-'));
  // `ulimit -n` sets the soft and hard limit, so Node cannot raise it at start. One process:
  // the cap is per process (each of N workers has its own, README "--workers").
  const args = [
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--workers',
    '1',
  ];
  child = spawn(
    'sh',
    ['-c', `ulimit -n ${LIMIT} && exec "$0" "$@"`, process.execPath, SERVER_BIN, ...args],
    {
      env: { ...process.env, SNAPSHOTPLOT_STORAGE: 'local', SNAPSHOTPLOT_DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${err}`)));
  });
});
afterAll(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('default --max-connections under ulimit -n 256', () => {
  it('holds at 128 connections: the 129th is closed unanswered, and /healthz answers after', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < LIMIT / 2; i++) {
      const s = await open(url);
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      // Answered, so the server counts it; it stays open (keep-alive).
      await new Promise((r) => s.once('data', r));
      held.push(s);
    }
    const extra = await exchange(
      url,
      'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(extra).toMatchObject({ closed: true, response: '' });
    for (const s of held) s.destroy();
    await vi.waitFor(
      async () =>
        expect((await fetch(`${url}/healthz`, { headers: { connection: 'close' } })).status).toBe(
          200,
        ),
      { timeout: 3000 },
    );
    expect(child.exitCode).toBeNull();
  });
});
