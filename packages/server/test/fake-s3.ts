/**
 * A tiny in-memory S3 endpoint (path style, no auth checks) that can be switched to "hung":
 * it then accepts every request, reads its body, and never answers, like a stuck store.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeS3 {
  url: string;
  /** true: accept and never answer; false: behave. */
  hang(on: boolean): void;
  /** Requests received while hung (so a test can wait for the server to reach the store). */
  hungRequests(): number;
  /** Every stored object's `bucket/key`, sorted. */
  keys(): string[];
  /** Target `bucket/key` of every CopyObject so far, in order. */
  copies(): string[];
  close(): Promise<void>;
}

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeS3(): Promise<FakeS3> {
  const objects = new Map<string, { body: Buffer; type: string }>();
  const sockets = new Set<Socket>();
  let hung = false;
  let hungCount = 0;
  const copied: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    if (hung) {
      hungCount++;
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const key = decodeURIComponent(url.pathname.slice(1));
    const etag = `"${body.length}"`;
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      res.setHeader('content-type', 'application/xml');
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>',
      );
    } else if (req.method === 'PUT' && req.headers['x-amz-copy-source']) {
      const source = decodeURIComponent(String(req.headers['x-amz-copy-source'])).replace(
        /^\//,
        '',
      );
      const o = objects.get(source);
      if (!o) {
        res.statusCode = 404;
        res.end('<Error><Code>NoSuchKey</Code></Error>');
        return;
      }
      objects.set(key, o);
      copied.push(key);
      res.setHeader('content-type', 'application/xml');
      res.end(`<CopyObjectResult><ETag>${etag}</ETag></CopyObjectResult>`);
    } else if (req.method === 'PUT') {
      objects.set(key, {
        body,
        type: String(req.headers['content-type'] ?? 'application/octet-stream'),
      });
      res.setHeader('etag', etag);
      res.end();
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      const o = objects.get(key);
      if (!o) {
        res.statusCode = 404;
        res.end(req.method === 'GET' ? '<Error><Code>NoSuchKey</Code></Error>' : undefined);
        return;
      }
      res.setHeader('content-type', o.type);
      res.setHeader('content-length', o.body.length);
      res.setHeader('etag', `"${o.body.length}"`);
      res.end(req.method === 'GET' ? o.body : undefined);
    } else if (req.method === 'DELETE') {
      objects.delete(key);
      res.statusCode = 204;
      res.end();
    } else {
      res.statusCode = 501;
      res.end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hang(on) {
      hung = on;
    },
    hungRequests: () => hungCount,
    keys: () => [...objects.keys()].sort(),
    copies: () => [...copied],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
