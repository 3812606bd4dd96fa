/**
 * Raw-socket HTTP clients for the slow-body tests: fetch cannot send a body one byte at a time
 * with a declared Content-Length, nor show what the server did with the socket.
 */
import { open } from './raw-http.js';

export { open, parseResponse } from './raw-http.js';

export interface Trickled {
  /** Everything the server sent before the socket closed. */
  response: string;
  /** The socket was closed by the server (false: the guard gave up waiting). */
  closed: boolean;
  /** Body bytes written before the close; the declared length is never reached. */
  sent: number;
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
