/**
 * Raw HTTP/1.1 over a socket, for bodies fetch cannot send: a multipart body cut short with a
 * matching Content-Length, or a body that stops half-way and then disconnects.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const BOUNDARY = 'sp-test-boundary-7f3a';

/** One multipart part (no trailing boundary). */
export function part(name: string, content: Buffer | string, file?: { type: string }): Buffer {
  const disposition = `form-data; name="${name}"${file ? `; filename="${name}.bin"` : ''}`;
  const head =
    `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n` +
    (file ? `Content-Type: ${file.type}\r\n` : '') +
    '\r\n';
  return Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from('\r\n')]);
}

export const closing = Buffer.from(`--${BOUNDARY}--\r\n`);

/** The request head; `Connection: close` so the response ends with the socket. */
export function head(
  method: string,
  path: string,
  headers: Record<string, string | number>,
): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Opens a socket to the server at `url` (resolves once connected). */
export function open(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => resolve(s));
    s.once('error', reject);
  });
}

/** Status code, headers (lower-cased names) and body of a raw response; null when none came. */
export function parseResponse(raw: string): RawResponse | null {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/1.1 ') || end < 0) return null;
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

/** Sends head + body whole and reads the response until the server closes the socket. */
export async function rawRequest(url: string, request: Buffer): Promise<RawResponse> {
  const s = await open(url);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('error', reject);
    s.once('close', () => {
      const res = parseResponse(Buffer.concat(chunks).toString('latin1'));
      if (res) resolve(res);
      else reject(new Error('the server closed the socket without answering'));
    });
    // write, not end: a half-closed socket makes Node drop the request as aborted.
    s.write(request);
  });
}

/**
 * Sends the start of a request and keeps the socket open; the caller destroys it. With
 * `Expect: 100-continue` in the head, `body` goes out after the server's 100 Continue, that is
 * once the request has reached the app.
 */
export async function startRequest(url: string, start: Buffer, body?: Buffer): Promise<Socket> {
  const s = await open(url);
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.write(start, () => resolve()));
  if (body) {
    if (/\r\nExpect: 100-continue\r\n/i.test(start.toString('latin1'))) {
      await new Promise<void>((resolve) =>
        s.on('data', (c: Buffer) => {
          if (/^HTTP\/1\.1 100 /.test(c.toString('latin1'))) resolve();
        }),
      );
    }
    await new Promise<void>((resolve) => s.write(body, () => resolve()));
  }
  return s;
}
