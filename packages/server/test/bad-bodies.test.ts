/**
 * A gauntlet of cut, malformed and abandoned bodies: each is a 4xx (or nothing, when the
 * client is gone), keeps nothing, logs at info/warn without a stack, and the same server
 * still answers /healthz afterwards.
 */
import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../src/storage/storage.js';
import { type Harness, PNG, publish, startHarness, upload } from './helpers.js';
import { BOUNDARY, closing, head, part, rawRequest, startRequest } from './raw-http.js';

type Line = Record<string, unknown> & { level: number; msg: string; req?: { id?: string } };
const lines: Line[] = [];
const waiters: Array<{ pred: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const text of String(chunk).split('\n').filter(Boolean)) {
      const l = JSON.parse(text) as Line;
      lines.push(l);
      for (const w of [...waiters]) {
        if (w.pred(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
    cb();
  },
});
const waitForLog = (pred: (l: Line) => boolean) =>
  new Promise<Line>((resolve) => {
    const found = lines.find(pred);
    if (found) resolve(found);
    else waiters.push({ pred, resolve });
  });
const linesOf = (id: string) => lines.filter((l) => l.req?.id === id);
/** The error middleware's last word on a request: logged after its cleanup is done. */
const handled = (id: string) =>
  waitForLog(
    (l) => l.req?.id === id && ['client aborted the request', 'request failed'].includes(l.msg),
  );

// Hooks into the storage, so a test can act while a write or read is in flight.
const hooks: {
  afterPut?: () => Promise<void>;
  onPut?: () => void;
  failNextRead?: boolean;
} = {};
const hooked = (inner: Storage): Storage => ({
  async put(key, body, o) {
    hooks.onPut?.();
    const r = await inner.put(key, body, o);
    await hooks.afterPut?.();
    return r;
  },
  async get(key, range) {
    const o = await inner.get(key, range);
    if (!o || !hooks.failNextRead) return o;
    hooks.failNextRead = false;
    o.stream.destroy();
    // Some bytes, then the disk (or S3 socket) fails mid-response.
    const stream = new Readable({ read() {} });
    stream.push(Buffer.alloc(8, 1));
    setImmediate(() => stream.destroy(new Error('simulated read failure')));
    return { stream, size: o.size };
  },
  stat: (key) => inner.stat(key),
  move: (from, to) => inner.move(from, to),
  delete: (key) => inner.delete(key),
  check: () => inner.check(),
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logger: pino({ level: 'info' }, sink), wrapStorage: hooked });
});
afterAll(() => h.close());

let n = 0;
const requestId = () => `bad-body-${++n}`;
const meta = (title: string) =>
  part('metadata', JSON.stringify({ project_id: h.projectId, title }));
const plot = (bytes: Buffer) => part('plot', bytes, { type: 'image/png' });
const multipartHead = (id: string, length: number, boundary = BOUNDARY) =>
  head('POST', '/api/snapshots/publish', {
    Authorization: `Bearer ${h.token}`,
    'Content-Type': `multipart/form-data; boundary=${boundary}`,
    'Content-Length': length,
    'x-request-id': id,
  });
const multipart = (id: string, body: Buffer, boundary?: string) =>
  Buffer.concat([multipartHead(id, body.length, boundary), body]);

const stored = () => h.files();
const rows = async () =>
  (await h.server.context.store.listSnapshots(h.projectId, {}, 100)).page.length;
async function expectHealthy() {
  const res = await fetch(`${h.url}/healthz`);
  expect(res.status).toBe(200);
}
/** No error-level line and no stack for this request; never a 500. */
function expectQuietLogs(id: string) {
  const mine = linesOf(id);
  expect(mine.length).toBeGreaterThan(0);
  for (const l of mine) {
    expect(l.level).toBeLessThan(50);
    expect(JSON.stringify(l)).not.toMatch(/"stack"|\n\s+at /);
    expect((l.res as { status?: number } | undefined)?.status ?? 0).toBeLessThan(500);
  }
}

describe('cut and malformed multipart publishes', () => {
  const cases: Array<[string, (id: string) => Buffer]> = [
    [
      'ends inside the plot part (no closing boundary)',
      (id) => multipart(id, Buffer.concat([meta('cut plot'), plot(PNG).subarray(0, 120)])),
    ],
    ['ends inside the metadata part', (id) => multipart(id, meta('cut metadata').subarray(0, 90))],
    [
      'a boundary that never appears in the body',
      (id) => multipart(id, Buffer.concat([meta('garbage'), plot(PNG), closing]), 'not-the-one'),
    ],
    ['no boundary at all', (id) => multipart(id, Buffer.from('garbage'), '')],
  ];
  it.each(cases)('%s: 400 validation_failed, nothing kept, still healthy', async (_n, make) => {
    const before = { files: await stored(), rows: await rows() };
    const id = requestId();
    const res = await rawRequest(h.url, make(id));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('validation_failed');
    expect(JSON.parse(res.body).error.message).toMatch(/multipart|boundary|metadata/i);
    expect(await stored()).toEqual(before.files);
    expect(await rows()).toBe(before.rows);
    await expectHealthy();
    expectQuietLogs(id);
  });
});

describe('clients that disconnect mid-body', () => {
  it('mid plot part: nothing kept, logged at info, still healthy', async () => {
    const before = { files: await stored(), rows: await rows() };
    const id = requestId();
    const body = Buffer.concat([meta('gone'), plot(Buffer.alloc(64 * 1024, 3)), closing]);
    const putStarted = new Promise<void>((r) => {
      hooks.onPut = r;
    });
    const s = await startRequest(
      h.url,
      Buffer.concat([multipartHead(id, body.length), body.subarray(0, 2000)]),
    );
    await putStarted;
    hooks.onPut = undefined;
    s.destroy();
    const last = await handled(id);
    expect(last).toMatchObject({ msg: 'client aborted the request', level: 30 });
    expect(await stored()).toEqual(before.files);
    expect(await rows()).toBe(before.rows);
    await expectHealthy();
    expectQuietLogs(id);
  });

  it('after a whole plot part, before the closing boundary: the stored plot is removed', async () => {
    const before = { files: await stored(), rows: await rows() };
    const id = requestId();
    const body = Buffer.concat([meta('gone later'), plot(PNG), closing]);
    // Hold the finished write until the client is gone, so the abort races the stored plot.
    let innerDone!: () => void;
    const written = new Promise<void>((r) => {
      innerDone = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    hooks.afterPut = () => {
      innerDone();
      return gate;
    };
    const s = await startRequest(
      h.url,
      Buffer.concat([multipartHead(id, body.length), body.subarray(0, body.length - 4)]),
    );
    await written;
    s.destroy();
    await waitForLog((l) => l.req?.id === id && l.msg === 'request aborted');
    release();
    hooks.afterPut = undefined;
    await handled(id);
    expect(await stored()).toEqual(before.files);
    expect(await rows()).toBe(before.rows);
    await expectHealthy();
    expectQuietLogs(id);
  });

  it('mid JSON publish: no 500, no stack, still healthy', async () => {
    const before = await rows();
    const id = requestId();
    const json = JSON.stringify({ project_id: h.projectId, title: 'half a json body' });
    // Expect: 100-continue, so the server has the request (headers parsed) before the cut.
    const s = await startRequest(
      h.url,
      head('POST', '/api/snapshots/publish', {
        Authorization: `Bearer ${h.token}`,
        'Content-Type': 'application/json',
        'Content-Length': json.length,
        Expect: '100-continue',
        'x-request-id': id,
      }),
      Buffer.from(json.slice(0, 20)),
    );
    s.destroy();
    const last = await handled(id);
    expect(last.msg).toBe('client aborted the request');
    expect(await rows()).toBe(before);
    await expectHealthy();
    expectQuietLogs(id);
  });

  it('mid upload PUT: nothing kept, the URL still works afterwards', async () => {
    const p = await publish(h, { title: 'put cut' });
    const url = new URL(p.body.upload_urls.plot!);
    const before = await stored();
    const id = requestId();
    const bytes = Buffer.concat([PNG, Buffer.alloc(64 * 1024, 5)]);
    const putStarted = new Promise<void>((r) => {
      hooks.onPut = r;
    });
    const s = await startRequest(
      h.url,
      Buffer.concat([
        head('PUT', `${url.pathname}${url.search}`, {
          'Content-Type': 'image/png',
          'Content-Length': bytes.length,
          'x-request-id': id,
        }),
        bytes.subarray(0, 1000),
      ]),
    );
    await putStarted;
    hooks.onPut = undefined;
    s.destroy();
    expect((await handled(id)).msg).toBe('client aborted the request');
    expect(await stored()).toEqual(before);
    await expectHealthy();
    expectQuietLogs(id);
    expect((await upload(url.href, bytes)).status).toBe(200);
  });
});

describe('a storage read that fails mid-download', () => {
  it('cuts that response only; the server keeps answering', async () => {
    const fd = new FormData();
    fd.append('metadata', JSON.stringify({ project_id: h.projectId, title: 'read fails' }));
    fd.append('plot', new Blob([new Uint8Array(Buffer.alloc(4096, 9))], { type: 'image/png' }));
    const res = await h.api('POST', '/api/snapshots/publish', { body: fd });
    expect(res.status).toBe(201);
    const snap = (await res.json()) as { plot_url: string };
    hooks.failNextRead = true;
    const outcome = await fetch(snap.plot_url)
      .then((r) => r.arrayBuffer())
      .then(
        (b) => b.byteLength,
        () => 'cut',
      );
    expect(outcome).toBe('cut');
    await expectHealthy();
    // The next read is whole again.
    const again = await fetch(snap.plot_url);
    expect(Buffer.from(await again.arrayBuffer()).length).toBe(4096);
  });
});

describe('a refused body is a 4xx with a message, not a 500', () => {
  it('a JSON body cut short but complete on the wire: 400 invalid_json', async () => {
    const id = requestId();
    const json = '{"project_id":"proj_test"';
    const res = await rawRequest(
      h.url,
      Buffer.concat([
        head('POST', '/api/snapshots/publish', {
          Authorization: `Bearer ${h.token}`,
          'Content-Type': 'application/json',
          'Content-Length': json.length,
          'x-request-id': id,
        }),
        Buffer.from(json),
      ]),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('invalid_json');
    await expectHealthy();
    expectQuietLogs(id);
  });
});
