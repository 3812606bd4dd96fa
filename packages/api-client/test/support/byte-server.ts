/** A real node:http server on 127.0.0.1:0 that drains request bodies and counts their bytes. */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bytes: number;
  sha256: string;
}

/** Starts the server; `answer` builds the JSON reply from what was received. */
export async function startByteServer(answer: (r: Received, res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const r = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        bytes,
        sha256: hash.digest('hex'),
      };
      received.push(r);
      answer(r, res);
    });
  });
  // A CONNECT tunnel, so the same server can stand in for an HTTP proxy.
  const tunnels: string[] = [];
  server.on('connect', async (req, socket, head) => {
    tunnels.push(req.url!);
    const { connect } = await import('node:net');
    const upstream = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replies with a contract UploadResponse for what was received. */
export function uploadAnswer(r: Received, res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      snapshot_id: 'snap_1',
      kind: 'plot',
      content_type: r.headers['content-type'],
      size: r.bytes,
      sha256: r.sha256,
    }),
  );
}
