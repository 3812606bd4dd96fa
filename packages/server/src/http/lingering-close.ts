/**
 * An answer sent before the request body was read (an early 413, 415, 403, a replay) ends the
 * connection, but closing a socket that still receives data makes the kernel send a reset,
 * which can destroy the answer before the client reads it (Node 24's fetch reports "other side
 * closed" with 0 bytes read). So, like nginx's lingering_close: send the answer and a FIN, keep
 * reading and dropping what the client still sends for a short while (bounded in time and
 * bytes), then close. Slow-body and load-shedding answers (408, 503) do not linger: those cut.
 */
import type { Request, Response } from 'express';

const LINGER_MS = 2000;
const LINGER_BYTES = 16 * 1024 * 1024;

/** Marks the response `Connection: close` and makes its socket close gently once it is sent. */
export function closeAfterAnswer(req: Request, res: Response): void {
  res.set('Connection', 'close');
  const socket = req.socket;
  // Node's server ends a `Connection: close` response with socket.destroySoon(): replace it
  // for this socket only with a half-close that drains the rest of the body first.
  socket.destroySoon = function lingeringDestroySoon(this: typeof socket) {
    let dropped = 0;
    const stop = () => this.destroy();
    const timer = setTimeout(stop, LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) stop();
    });
    this.once('end', stop);
    this.end();
    req.resume();
  };
}
