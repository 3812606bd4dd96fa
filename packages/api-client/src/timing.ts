/**
 * Per-request timings for `onTiming` (the CLI's --debug): time to first byte is when fetch
 * resolved (headers in), total is when the body was read. The connect time (DNS + TCP + TLS)
 * comes from undici's diagnostics channels, which both Node's fetch and npm undici publish:
 * watched only once a client with `onTiming` makes a request, so other callers pay nothing.
 */
import { subscribe } from 'node:diagnostics_channel';

export interface TimingEvent {
  method: string;
  /** The URL without its query (upload tokens stay out of logs). */
  target: string;
  /** The HTTP status answered. */
  status: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** DNS + TCP + TLS of a new connection; undefined when a kept-alive one was reused. */
  connectMs?: number;
  /** From sending the request to its response headers. */
  ttfbMs: number;
  /** From sending the request to the end of its body. */
  totalMs: number;
  requestId: string;
}

interface Connect {
  origin: string;
  start: number;
  end: number;
}

interface ConnectParams {
  protocol?: string;
  host?: string;
}

let watching = false;
/** Start times of connections under way, oldest first, by origin (each event has its own params object). */
const pending = new Map<string, number[]>();
/** Connections made recently, claimed by the request that waited for them. */
const done: Connect[] = [];

function watchConnects(): void {
  if (watching) return;
  watching = true;
  const originOf = (message: unknown) => {
    const p = (message as { connectParams?: ConnectParams }).connectParams;
    return `${p?.protocol}//${p?.host}`;
  };
  const take = (origin: string) => {
    const starts = pending.get(origin);
    const start = starts?.shift();
    if (starts?.length === 0) pending.delete(origin);
    return start;
  };
  subscribe('undici:client:beforeConnect', (message) => {
    const origin = originOf(message);
    pending.set(origin, [...(pending.get(origin) ?? []), performance.now()]);
  });
  subscribe('undici:client:connectError', (message) => {
    take(originOf(message));
  });
  subscribe('undici:client:connected', (message) => {
    const origin = originOf(message);
    const start = take(origin);
    if (start === undefined) return;
    done.push({ origin, start, end: performance.now() });
    // Unclaimed ones (a caller without onTiming) must not pile up.
    if (done.length > 64) done.shift();
  });
}

/** A clock for one request: call `firstByte()` when fetch resolves, `finish()` after the body. */
export function startTiming(url: string): {
  firstByte(): void;
  finish(): { connectMs?: number; ttfbMs: number; totalMs: number };
} {
  watchConnects();
  const started = performance.now();
  let headers = started;
  return {
    firstByte() {
      headers = performance.now();
    },
    finish() {
      const ended = performance.now();
      let origin: string;
      try {
        origin = new URL(url).origin;
      } catch {
        origin = '';
      }
      const i = done.findIndex(
        (c) => c.origin === origin && c.start >= started && c.end <= headers,
      );
      const connect = i >= 0 ? done.splice(i, 1)[0] : undefined;
      return {
        ...(connect ? { connectMs: connect.end - connect.start } : {}),
        ttfbMs: headers - started,
        totalMs: ended - started,
      };
    },
  };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** One stderr line: `POST /api/snapshots/publish 201: connect 1.2 ms, first byte 8.0 ms, total 8.4 ms`. */
export function describeTiming(e: TimingEvent): string {
  const connect = e.connectMs === undefined ? 'connection reused' : `connect ${ms(e.connectMs)}`;
  const attempt = e.attempt > 1 ? ` (attempt ${e.attempt})` : '';
  return `${e.method} ${e.target} ${e.status}: ${connect}, first byte ${ms(e.ttfbMs)}, total ${ms(e.totalMs)}${attempt}`;
}
