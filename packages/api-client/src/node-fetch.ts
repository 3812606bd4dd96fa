/**
 * The subset of fetch the transport uses, over node:http / node:https. Node's global fetch
 * loads its bundled undici and web streams on first use: ~50 ms of a ~250 ms CLI run on a
 * quiet machine, more than node:http's whole request (bench/README.md, section 3). What the
 * transport relies on is kept: method, headers, a string or web-stream body pulled as the
 * socket drains, `signal` (the attempt's timeout), `redirect: 'error'` for streamed bodies
 * and followed redirects otherwise, failures as `TypeError('fetch failed', { cause })`, and
 * an answer with `status`, `statusText`, `ok`, `headers.get()` and `text()`. Connections are
 * kept alive (and unref'd while idle, so a CLI exits as soon as it is done).
 */

import type { Agent, IncomingMessage, RequestOptions } from 'node:http';
import http from 'node:http';
import { noteConnect } from './timing.js';

const MAX_REDIRECTS = 20;
const agents: Partial<Record<'http:' | 'https:', Agent>> = {};

async function agentFor(
  protocol: 'http:' | 'https:',
): Promise<{ request: typeof http.request; agent: Agent }> {
  if (protocol === 'http:') {
    agents[protocol] ??= new http.Agent({ keepAlive: true });
    return { request: http.request, agent: agents[protocol] };
  }
  // TLS is loaded only for https URLs.
  const https = (await import('node:https')).default;
  agents[protocol] ??= new https.Agent({ keepAlive: true });
  return { request: https.request, agent: agents[protocol] };
}

/** A fetch over node:http for the transport's requests (not a general fetch). */
export const nodeFetch = (async (input: string | URL, init: RequestInit = {}) => {
  let body = (init.body ?? undefined) as string | ReadableStream<Uint8Array> | undefined;
  // Other bodies (the multipart FormData of publishDirect) go through Node's fetch.
  if (body !== undefined && typeof body !== 'string' && !(body instanceof ReadableStream)) {
    return globalThis.fetch(input, init);
  }
  let url = new URL(String(input));
  let method = (init.method ?? 'GET').toUpperCase();
  for (let hops = 0; ; hops++) {
    const res = await once(url, method, init, body);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      if (init.redirect === 'error') throw failed(new Error(`unexpected redirect to ${location}`));
      if (init.redirect === 'manual' || hops >= MAX_REDIRECTS) return answer(res);
      url = new URL(location, url);
      // As fetch: 303 (and 301/302 after a POST) become a GET without a body.
      if (
        res.statusCode === 303 ||
        ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return answer(res);
  }
}) as typeof globalThis.fetch;

async function once(
  url: URL,
  method: string,
  init: RequestInit,
  body: string | ReadableStream<Uint8Array> | undefined,
) {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw failed(new Error(`unsupported protocol ${url.protocol}`));
  }
  const { request, agent } = await agentFor(url.protocol);
  // Plain objects only (what the transport passes): the global Headers would load undici.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    headers[name.toLowerCase()] = value;
  }
  if (typeof body === 'string' && headers['content-length'] === undefined) {
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  return new Promise<IncomingMessage>((resolve, reject) => {
    const options: RequestOptions = { method, headers, agent, signal };
    const req = request(url, options, resolve);
    const started = performance.now();
    req.once('socket', (socket) => {
      // A new connection (not a kept-alive one): its connect time for --debug.
      if (socket.connecting) {
        socket.once('connect', () => noteConnect(url.origin, started, performance.now()));
      }
    });
    req.once('error', (error) => reject(signal?.aborted ? signal.reason : failed(error)));
    if (typeof body === 'string') req.end(body);
    else if (body) pump(body, req).catch((error: unknown) => req.destroy(error as Error));
    else req.end();
  });
}

/** Writes a web stream into the request, pulling the next chunk only once the socket drained. */
async function pump(body: ReadableStream<Uint8Array>, req: http.ClientRequest): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!req.write(value)) {
        await new Promise<void>((resolve) => {
          req.once('drain', resolve);
          req.once('close', resolve);
        });
      }
      if (req.destroyed) return;
    }
    req.end();
  } finally {
    reader.releaseLock();
  }
}

function answer(res: IncomingMessage): Response {
  const status = res.statusCode ?? 0;
  let text: Promise<string> | undefined;
  return {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: {
      get(name: string) {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
      },
    },
    text() {
      text ??= new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.once('error', (error) => reject(failed(error)));
        res.once('aborted', () => reject(failed(new Error('the response was cut short'))));
      });
      return text;
    },
  } as unknown as Response;
}

/** fetch's shape of a network failure: the transport reads the cause's message and code. */
function failed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}
