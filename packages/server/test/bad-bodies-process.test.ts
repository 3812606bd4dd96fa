/**
 * The built bin against cut and abandoned bodies (run `pnpm build` first): after each one the
 * SAME process is still running and answers /healthz 200, and nothing was logged at error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerCli, SERVER_BIN } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from './helpers.js';
import { BOUNDARY, closing, head, part, rawRequest, startRequest } from './raw-http.js';

// Spawned here rather than with startTestServer, which drops stdout: the JSON log lines are
// read to know when an abandoned request was handled. SQLite + local disk: the point is the
// process, not the engines (bad-bodies.test.ts covers those).
let child: ChildProcess;
let log = '';
let url: string;
let dataDir: string;
let project: string;
let token: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sp-bad-bodies-proc-'));
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];
  child = spawn(process.execPath, [SERVER_BIN, ...args], {
    env: { ...process.env, SNAPSHOTPLOT_LOG_LEVEL: 'info', SNAPSHOTPLOT_STORAGE: 'local' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    log += c;
  });
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      log += c;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${err}`)));
  });
  project = JSON.parse(
    await runServerCli(['project', 'create', '--name', 'bad', '--data-dir', dataDir, '--json']),
  ).id;
  token = JSON.parse(
    await runServerCli(['token', 'create', '--project', project, '--data-dir', dataDir, '--json']),
  ).token;
});
afterAll(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await rm(dataDir, { recursive: true, force: true });
});

let n = 0;
const requestId = () => `proc-bad-${++n}`;
const meta = (title: string) => part('metadata', JSON.stringify({ project_id: project, title }));
const multipartHead = (id: string, length: number, boundary = BOUNDARY) =>
  head('POST', '/api/snapshots/publish', {
    Authorization: `Bearer ${token}`,
    'Content-Type': `multipart/form-data; boundary=${boundary}`,
    'Content-Length': length,
    'x-request-id': id,
  });

/** The server's own line for an abandoned request (printed after its cleanup). */
async function abortLogged(id: string): Promise<void> {
  const line = new RegExp(`"id":"${id}".*"msg":"client aborted the request"`);
  for (let i = 0; i < 500; i++) {
    if (line.test(log)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no "client aborted" line for ${id}:\n${log}`);
}

async function expectSameProcessHealthy() {
  expect(child.exitCode).toBeNull();
  expect(() => process.kill(child.pid!, 0)).not.toThrow();
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  expect(log).not.toMatch(/Unexpected end of form|"level":(50|60)|uncaught|\n\s+at /i);
}

describe('the built server survives bad bodies', () => {
  const cut: Array<[string, () => Buffer]> = [
    [
      'a multipart publish that ends inside the plot part',
      () => {
        const body = Buffer.concat([
          meta('cut plot'),
          part('plot', PNG, { type: 'image/png' }).subarray(0, 120),
        ]);
        return Buffer.concat([multipartHead(requestId(), body.length), body]);
      },
    ],
    [
      'a multipart publish that ends inside the metadata part',
      () => {
        const body = meta('cut metadata').subarray(0, 80);
        return Buffer.concat([multipartHead(requestId(), body.length), body]);
      },
    ],
    [
      'a multipart publish under a boundary the body never uses',
      () => {
        const body = Buffer.concat([meta('foreign'), closing]);
        return Buffer.concat([multipartHead(requestId(), body.length, 'other'), body]);
      },
    ],
  ];
  it.each(cut)('%s: 400, same process healthy', async (_name, make) => {
    const res = await rawRequest(url, make());
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('validation_failed');
    await expectSameProcessHealthy();
  });

  it('a client that disconnects mid plot part', async () => {
    const id = requestId();
    const body = Buffer.concat([
      meta('gone'),
      part('plot', Buffer.alloc(256 * 1024, 1), { type: 'image/png' }),
      closing,
    ]);
    const sock = await startRequest(
      url,
      Buffer.concat([multipartHead(id, body.length), body.subarray(0, 4096)]),
    );
    sock.destroy();
    await abortLogged(id);
    await expectSameProcessHealthy();
  });

  it('a client that disconnects mid JSON body', async () => {
    const id = requestId();
    const json = JSON.stringify({ project_id: project, title: 'half' });
    const sock = await startRequest(
      url,
      head('POST', '/api/snapshots/publish', {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Content-Length': json.length,
        Expect: '100-continue',
        'x-request-id': id,
      }),
      Buffer.from(json.slice(0, 10)),
    );
    sock.destroy();
    await abortLogged(id);
    await expectSameProcessHealthy();
  });

  it('a client that disconnects mid upload PUT', async () => {
    const pub = (await (
      await fetch(`${url}/api/snapshots/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project_id: project, title: 'put cut' }),
      })
    ).json()) as { upload_urls: { plot: string } };
    const upload = new URL(pub.upload_urls.plot);
    const id = requestId();
    const sock = await startRequest(
      url,
      head('PUT', `${upload.pathname}${upload.search}`, {
        'Content-Type': 'image/png',
        'Content-Length': 256 * 1024,
        Expect: '100-continue',
        'x-request-id': id,
      }),
      Buffer.concat([PNG, Buffer.alloc(1000, 2)]),
    );
    sock.destroy();
    await abortLogged(id);
    await expectSameProcessHealthy();
  });
});
