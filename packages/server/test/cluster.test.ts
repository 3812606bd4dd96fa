/**
 * `serve --workers 2` (the built bin: run `pnpm build` first), on SQLite or PostgreSQL as the
 * suite runs: both workers answer, an event committed by one reaches a stream held by the
 * other, one artifact's uploads through different workers are serialised, SIGTERM drains
 * every worker, and a killed worker comes back. Requests are pinned to a worker by sending
 * them over one keep-alive socket whose first answer named it (`x-snapshotplot-worker`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Agent, type ClientRequest, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runServerCli, startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG, sha256 } from './helpers.js';
import { SUITE_ON_S3 } from './s3-env.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** The whole answer to a request already sent (or being sent). */
function answerOf(req: ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          text,
          json: () => JSON.parse(text),
        }),
      );
    });
    req.on('error', reject);
  });
}

/** One request over `agent` (so over its one socket, so to its worker). */
function call(
  agent: Agent,
  base: string,
  method: string,
  path: string,
  o: { token?: string; json?: unknown; body?: Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  const body = o.json === undefined ? o.body : Buffer.from(JSON.stringify(o.json));
  const req = request(url, {
    agent,
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body ? { 'content-length': String(body.length) } : {}),
      ...o.headers,
    },
  });
  const answer = answerOf(req);
  req.end(body);
  return answer;
}

/** Two agents, each with one kept-alive socket, whose sockets landed on different workers. */
async function agentsOnTwoWorkers(base: string): Promise<{ a: Agent; b: Agent; ids: string[] }> {
  const byWorker = new Map<string, Agent>();
  for (let i = 0; i < 20 && byWorker.size < 2; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const res = await call(agent, base, 'GET', '/healthz');
    const id = res.headers['x-snapshotplot-worker'];
    if (typeof id !== 'string') throw new Error('no x-snapshotplot-worker header');
    if (byWorker.has(id)) agent.destroy();
    else byWorker.set(id, agent);
  }
  if (byWorker.size < 2) throw new Error('every connection reached the same worker');
  const [[idA, a], [idB, b]] = [...byWorker.entries()] as [[string, Agent], [string, Agent]];
  return { a, b, ids: [idA, idB] };
}

/** The worker processes of a primary (its children). */
async function workerPids(primary: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=', '--ppid', String(primary)]);
  return stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serve --workers 2', () => {
  let s: TestServer;
  let project: string;
  let token: string;
  let a: Agent;
  let b: Agent;
  let ids: string[];
  beforeAll(async () => {
    s = await startTestServer({ workers: 2 });
    project = (await s.createProject('cluster')).id;
    token = await s.createToken(project, 'admin');
    ({ a, b, ids } = await agentsOnTwoWorkers(s.url));
  });
  afterAll(async () => {
    a?.destroy();
    b?.destroy();
    await s?.destroy();
  });

  const publishOn = async (agent: Agent, title: string) => {
    const res = await call(agent, s.url, 'POST', '/api/snapshots/publish', {
      token,
      json: { project_id: project, title, artifacts: { plot: true, code: false } },
    });
    expect(res.status).toBe(201);
    return res.json<{ snapshot_id: string; upload_urls: { plot: string } }>();
  };
  const uploadOn = (agent: Agent, url: string, bytes = PNG) =>
    call(agent, s.url, 'PUT', url, { body: bytes, headers: { 'content-type': 'image/png' } });
  const finalizeOn = (agent: Agent, id: string) =>
    call(agent, s.url, 'POST', '/api/snapshots/finalize', {
      token,
      json: { project_id: project, snapshot_id: id },
    });

  it('prints one listening line, runs two worker processes and names them in answers', async () => {
    expect(s.stderr().match(/listening on/g)).toHaveLength(1);
    expect(s.stderr()).toContain('(2 workers)');
    expect(await workerPids(s.pid)).toHaveLength(2);
    expect(ids.sort()).toEqual(['1', '2']);
  });

  it('publish on one worker, upload and list on the other, finalize on the first', async () => {
    const pub = await publishOn(a, 'split across workers');
    const up = await uploadOn(b, pub.upload_urls.plot);
    expect(up.headers['x-snapshotplot-worker']).not.toBe(
      (await call(a, s.url, 'GET', '/healthz')).headers['x-snapshotplot-worker'],
    );
    expect(up.status).toBe(200);
    expect((await finalizeOn(a, pub.snapshot_id)).status).toBe(200);
    const list = await call(b, s.url, 'GET', `/api/projects/${project}/snapshots?limit=50`, {
      token,
    });
    expect(list.status).toBe(200);
    const rows = list.json<{ data: Array<{ id: string; status: string }> }>().data;
    expect(rows.find((r) => r.id === pub.snapshot_id)?.status).toBe('ready');
  });

  it('100 concurrent publishes over both workers all succeed (writers queue, none gets SQLITE_BUSY)', async () => {
    // Many connections, so both workers write at once; a deferred transaction that read
    // before another process wrote would fail at once (503) instead of waiting its turn.
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const res = await fetch(`${s.url}/api/snapshots/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            project_id: project,
            title: `concurrent ${i}`,
            commit_sha: 'd'.repeat(40),
            artifacts: { plot: true },
          }),
        });
        return { status: res.status, worker: res.headers.get('x-snapshotplot-worker') };
      }),
    );
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
    expect(new Set(results.map((r) => r.worker)).size).toBe(2);
  });

  // On SQLite the primary orders the object lock's waiters of both workers. (On PostgreSQL
  // each process polls the advisory lock: its waiters are ordered within a process only.)
  it.skipIf(Boolean(process.env.SNAPSHOTPLOT_TEST_DATABASE_URL))(
    'uploads of the same bytes through both workers at once take turns at the object lock',
    async () => {
      // Eight connections on each worker, each publishing and uploading one PNG eight times:
      // every upload takes the one object's lock. A worker that handed the lock to its own
      // next waiter would finish its uploads first, the other worker's waiting behind it.
      const perWorker = 8;
      const rounds = 8;
      const agents = new Map<string, Agent[]>();
      for (let i = 0; i < 200 && [...agents.values()].flat().length < 2 * perWorker; i++) {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const id = (await call(agent, s.url, 'GET', '/healthz')).headers['x-snapshotplot-worker'];
        const mine = agents.get(String(id)) ?? [];
        if (mine.length < perWorker) {
          mine.push(agent);
          agents.set(String(id), mine);
        } else agent.destroy();
      }
      expect([...agents.values()].map((list) => list.length)).toEqual([perWorker, perWorker]);
      const done: string[] = [];
      try {
        await Promise.all(
          [...agents].flatMap(([worker, list]) =>
            list.map(async (agent, n) => {
              for (let r = 0; r < rounds; r++) {
                const pub = await publishOn(agent, `turns ${worker}.${n}.${r}`);
                const up = await uploadOn(agent, pub.upload_urls.plot);
                expect(up.status).toBe(200);
                expect(up.headers['x-snapshotplot-worker']).toBe(worker);
                done.push(worker);
              }
            }),
          ),
        );
      } finally {
        for (const agent of [...agents.values()].flat()) agent.destroy();
      }
      // While both workers had uploads waiting (the first half of all), each got its turns.
      const firstHalf = done.slice(0, done.length / 2);
      for (const worker of agents.keys()) {
        expect(firstHalf.filter((w) => w === worker).length).toBeGreaterThan(firstHalf.length / 4);
      }
    },
  );

  it("an event committed by one worker reaches the other worker's event stream", async () => {
    // The stream holds a's socket: a second agent to a's worker is not needed.
    const url = new URL(`/api/projects/${project}/events`, s.url);
    let text = '';
    const stream = request(url, {
      agent: a,
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    const opened = new Promise<string>((resolve, reject) => {
      stream.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        resolve(String(res.headers['x-snapshotplot-worker']));
      });
      stream.on('error', reject);
    });
    stream.end();
    try {
      const streamWorker = await opened;
      const pub = await publishOn(b, 'live across workers');
      expect((await uploadOn(b, pub.upload_urls.plot)).status).toBe(200);
      const fin = await finalizeOn(b, pub.snapshot_id);
      expect(fin.status).toBe(200);
      expect(fin.headers['x-snapshotplot-worker']).not.toBe(streamWorker);
      // No poll behind the stream: only the relayed wake-up makes it read the log.
      await eventually('the event on the stream', async () =>
        text.includes(pub.snapshot_id) ? true : undefined,
      );
      expect(text).toMatch(/event: ?snapshot\.ready/);
    } finally {
      stream.destroy();
    }
  });

  // Watches the upload's temp file on local disk to know the first upload holds the lock.
  it.skipIf(SUITE_ON_S3)(
    'two uploads of one artifact through different workers: the second is refused while the first streams',
    async () => {
      const bytes = Buffer.concat([PNG, Buffer.alloc(64 * 1024, 7)]);
      const pub = await publishOn(a, 'upload race');
      const target = new URL(pub.upload_urls.plot);
      // Its own connection to a's worker is not needed: any worker may hold the first upload.
      const slow = new Agent({ keepAlive: false });
      const put = request(target, {
        agent: slow,
        method: 'PUT',
        headers: { 'content-type': 'image/png', 'content-length': String(bytes.length) },
      });
      const first = answerOf(put);
      put.write(bytes.subarray(0, 1000));
      await eventually('the first upload to stream', async () => {
        const names = await readdir(join(s.dataDir, 'files', '.tmp')).catch(() => []);
        return names.length > 0 ? true : undefined;
      });
      // Whichever worker took the first upload, one of a and b is the other one.
      for (const agent of [a, b]) {
        const busy = await uploadOn(agent, pub.upload_urls.plot, bytes);
        expect(busy.status).toBe(409);
        expect(busy.json<{ error: { code: string; message: string } }>().error.message).toMatch(
          /Another upload of plot/,
        );
      }
      put.end(bytes.subarray(1000));
      const done = await first;
      slow.destroy();
      expect(done.status).toBe(200);
      expect(done.json<{ sha256: string }>().sha256).toBe(sha256(bytes));
      // The lock is free again and the URL is spent, on either worker.
      for (const agent of [a, b]) {
        const again = await uploadOn(agent, pub.upload_urls.plot, bytes);
        expect(again.status).toBe(409);
        expect(again.json<{ error: { code: string } }>().error.code).toBe('upload_url_used');
      }
      const snap = await call(b, s.url, 'GET', `/api/snapshots/${pub.snapshot_id}`, { token });
      const files = snap.json<{ files: { plot: { sha256: string } | null } }>().files;
      expect(files.plot?.sha256).toBe(sha256(bytes));
    },
  );
});

describe('serve --workers 2: processes', () => {
  it('a port in use: one error line from the workers, exit 1, no worker left', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = String((taken.address() as AddressInfo).port);
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-cluster-port-'));
    try {
      const failed = await runServerCli(
        ['serve', '--host', '127.0.0.1', '--port', port, '--data-dir', dataDir, '--workers', '2'],
        { SNAPSHOTPLOT_LOG_LEVEL: 'warn' },
      ).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^snapshotplot-server: .*EADDRINUSE/),
      ]);
    } finally {
      taken.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a killed worker is restarted with a log line naming it, and serves again', async () => {
    const s = await startTestServer({ workers: 2 });
    try {
      const [victim, survivor] = await workerPids(s.pid);
      process.kill(victim!, 'SIGKILL');
      const line = await eventually(
        'the restart log line',
        async () =>
          /"worker":(\d),"pid":\d+.*"msg":"worker \1 exited \(SIGKILL\); restarting it"/.exec(
            s.stdout(),
          ) ?? undefined,
      );
      const restarted = await eventually('the restarted worker', async () => {
        const pids = await workerPids(s.pid);
        return pids.length === 2 && !pids.includes(victim!) ? pids : undefined;
      });
      expect(restarted).toContain(survivor);
      await eventually('the worker back', async () =>
        s.stdout().includes('"msg":"worker restarted"') ? true : undefined,
      );
      // Both slots answer again, the restarted one under its old id.
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i++) {
        const agent = new Agent({ keepAlive: false });
        seen.add(
          String((await call(agent, s.url, 'GET', '/healthz')).headers['x-snapshotplot-worker']),
        );
        agent.destroy();
      }
      expect([...seen].sort()).toEqual(['1', '2']);
      expect(seen).toContain(line[1]);
    } finally {
      await s.destroy();
    }
  });

  it('SIGTERM lets an in-flight request finish on its worker, then every process exits 0', async () => {
    const s = await startTestServer({ workers: 2 });
    const project = (await s.createProject('drain')).id;
    const token = await s.createToken(project);
    const pids = await workerPids(s.pid);
    const agent = new Agent({ keepAlive: false });
    const pub = await call(agent, s.url, 'POST', '/api/snapshots/publish', {
      token,
      json: { project_id: project, title: 'drain', artifacts: { plot: true } },
    });
    const url = new URL(pub.json<{ upload_urls: { plot: string } }>().upload_urls.plot);
    const put = request(url, {
      agent,
      method: 'PUT',
      headers: { 'content-type': 'image/png', 'content-length': String(PNG.length) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      put.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      put.on('error', reject);
    });
    put.write(PNG.subarray(0, 4));
    try {
      await eventually('the upload to stream', async () => {
        const names = await readdir(join(s.dataDir, 'files', '.tmp')).catch(() => []);
        return names.length > 0 || SUITE_ON_S3 ? true : undefined;
      });
      const stopped = s.stop();
      await eventually('the workers to be told', async () =>
        (s.stderr().match(/SIGTERM, finishing in-flight requests/g)?.length ?? 0) >= 3
          ? true
          : undefined,
      );
      put.end(PNG.subarray(4));
      expect(await answered).toBe(200);
      await stopped;
      expect(s.exitStatus()).toEqual({ code: 0, signal: null });
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      agent.destroy();
      await s.destroy();
    }
  });
});
