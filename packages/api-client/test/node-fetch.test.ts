/** The transport's node:http fetch against a real server: bodies, redirects, aborts, reuse. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from '../src/node-fetch.js';

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

let connections = 0;
const server = createServer(async (req, res) => {
  const body = await read(req);
  if (req.url === '/307') return res.writeHead(307, { location: '/echo' }).end();
  if (req.url === '/303') return res.writeHead(303, { location: '/echo' }).end();
  if (req.url === '/slow') return setTimeout(() => res.end('late'), 5_000).unref();
  res.writeHead(201, { 'x-seen': 'a', 'content-type': 'text/plain' });
  res.end(`${req.method} ${req.url} ${req.headers['content-length'] ?? '-'} ${body}`);
});
server.on('connection', () => connections++);
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const stream = (parts: string[]) =>
  new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = parts.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(Buffer.from(next));
    },
  });

describe('nodeFetch', () => {
  it('sends a string body with its length and answers status, headers and text', async () => {
    const res = await nodeFetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect([res.status, res.ok, res.statusText]).toEqual([201, true, 'Created']);
    expect(res.headers.get('X-Seen')).toBe('a');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(await res.text()).toBe('POST /echo 7 {"a":1}');
  });

  it('streams a web ReadableStream body chunk by chunk', async () => {
    const res = await nodeFetch(`${base}/echo`, {
      method: 'PUT',
      headers: { 'content-length': '9' },
      body: stream(['abc', 'def', 'ghi']),
    });
    expect(await res.text()).toBe('PUT /echo 9 abcdefghi');
  });

  it('follows redirects like fetch: 307 keeps method and body, 303 becomes a GET', async () => {
    const kept = await nodeFetch(`${base}/307`, { method: 'POST', body: 'x' });
    expect(await kept.text()).toBe('POST /echo 1 x');
    const get = await nodeFetch(`${base}/303`, { method: 'POST', body: 'x' });
    expect(await get.text()).toBe('GET /echo - ');
  });

  it("refuses a redirect with redirect: 'error' as fetch does (a TypeError naming it)", async () => {
    const error = await nodeFetch(`${base}/307`, {
      method: 'PUT',
      body: stream(['abc']),
      redirect: 'error',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(((error as Error).cause as Error).message).toMatch(/redirect/);
  });

  it('rejects with the reason of an aborted signal, and a network failure with its cause', async () => {
    const controller = new AbortController();
    const pending = nodeFetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException('No answer', 'TimeoutError')), 50);
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
    const refused = await nodeFetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused).toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('keeps connections alive between requests', async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) await (await nodeFetch(`${base}/echo`)).text();
    expect(connections - before).toBeLessThanOrEqual(1);
  });
});
