/**
 * Raw-socket HTTP clients for the slow-body tests: fetch cannot send a body one byte at a time
 * with a declared Content-Length, nor show what the server did with the socket.
 */
import { connect, type Socket } from 'node:net';

export interface Trickled {
  /** Everything the server sent before the socket closed. */
  response: string;
  /** The socket was closed by the server (false: the guard gave up waiting). */
  closed: boolean;
  /** Body bytes written before the close; the declared length is never reached. */
  sent: number;
}

/** Open a socket to the server at `url` (resolves once connected). */
export function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Sends `head` (request line and headers, without the blank line) declaring a body of
 * `prefix` plus `length` more bytes, writes `prefix` at once and then one byte every
 * `everyMs` until the server closes the socket, or `guardMs` passes (then `closed` is false).
 */
export async function trickle(
  url: string,
  head: string,
  o: { prefix?: string; length?: number; everyMs?: number; guardMs?: number } = {},
): Promise<Trickled> {
  const prefix = Buffer.from(o.prefix ?? '');
  const total = prefix.length + (o.length ?? 100_000);
  const socket = await open(url);
  let response = '';
  let sent = prefix.length;
  socket.on('data', (d) => {
    response += d.toString('latin1');
  });
  socket.on('error', () => {});
  socket.write(`${head}\r\nContent-Length: ${total}\r\n\r\n`);
  socket.write(prefix);
  const drip = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(' ');
    sent++;
  }, o.everyMs ?? 40);
  const closed = await new Promise<boolean>((resolve) => {
    const guard = setTimeout(() => resolve(false), o.guardMs ?? 5000);
    socket.once('close', () => {
      clearTimeout(guard);
      resolve(true);
    });
  });
  clearInterval(drip);
  socket.destroy();
  return { response, closed, sent };
}

/** Sends `text` and resolves with everything received once the server closes the socket. */
export async function exchange(url: string, text: string, guardMs = 5000): Promise<Trickled> {
  const socket = await open(url);
  let response = '';
  socket.on('data', (d) => {
    response += d.toString('latin1');
  });
  socket.on('error', () => {});
  socket.write(text);
  const closed = await new Promise<boolean>((resolve) => {
    const guard = setTimeout(() => resolve(false), guardMs);
    socket.once('close', () => {
      clearTimeout(guard);
      resolve(true);
    });
  });
  socket.destroy();
  return { response, closed, sent: text.length };
}

/** Status code, headers (lower-cased names) and body of a raw response; null when none came. */
export function parseResponse(raw: string) {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/1.1 ') || end < 0) return null;
  const [line, ...fields] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const f of fields) {
    const i = f.indexOf(':');
    headers[f.slice(0, i).trim().toLowerCase()] = f.slice(i + 1).trim();
  }
  return { status: Number(line!.split(' ')[1]), headers, body: raw.slice(end + 4) };
}
