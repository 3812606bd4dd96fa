/** Test helpers for the events tests: make snapshots ready, read an SSE stream. */
import type { SnapshotEvent } from '@snapshotplot/api-client';
import { type Harness, PNG, publish, upload } from './helpers.js';
import { assertComponent, assertDocumented } from './openapi-validator.js';

/** publish -> upload -> finalize; returns the snapshot id. */
export async function publishReady(h: Harness, title: string, token?: string): Promise<string> {
  const pub = await publish(h, { title, artifacts: { plot: true, code: false } }, {}, token);
  if (pub.status !== 201) throw new Error(`publish answered ${pub.status}`);
  const up = await upload(pub.body.upload_urls.plot!, PNG, 'image/png');
  if (up.status !== 200) throw new Error(`upload answered ${up.status}`);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
    ...(token ? { token } : {}),
  });
  if (fin.status !== 200) throw new Error(`finalize answered ${fin.status}`);
  return pub.body.snapshot_id;
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  frames: SseFrame[];
  /** Parsed `data:` of the event frames. */
  events(): Array<SnapshotEvent & { id: string }>;
  /** Resolves once `predicate` holds (checked as frames arrive); rejects after `ms`. */
  until(predicate: (s: SseStream) => boolean, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens GET /api/projects/:id/events and parses frames as they arrive. */
export async function openEvents(
  h: Harness,
  projectId: string,
  /** `token: null` sends no Authorization header (a cookie in `headers` instead). */
  o: { token?: string | null; headers?: Record<string, string>; query?: string } = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(`${h.url}/api/projects/${projectId}/events${o.query ?? ''}`, {
    headers: {
      ...(o.token === null ? {} : { authorization: `Bearer ${o.token ?? h.token}` }),
      ...o.headers,
    },
    signal: abort.signal,
  });
  await assertDocumented('GET', res.url, res);
  const waiters = new Set<() => void>();
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    frames: [],
    events: () =>
      stream.frames
        .filter((f) => f.data !== undefined)
        .map((f) => {
          const event = JSON.parse(f.data!) as SnapshotEvent;
          // Every streamed payload must be what openapi.json's SnapshotEvent says.
          assertComponent('SnapshotEvent', event, `SSE event ${f.id}`);
          return { ...event, id: f.id! };
        }),
    until: (predicate, ms = 5000) =>
      new Promise((resolve, reject) => {
        if (predicate(stream)) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; frames: ${JSON.stringify(stream.frames)}`));
        }, ms);
        const check = () => {
          if (!predicate(stream)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
    ended: Promise.resolve(),
    close: () => abort.abort(),
  };
  if (res.status !== 200 || !res.body) return stream;
  stream.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame: SseFrame = {};
          for (const line of buffer.slice(0, end).split('\n')) {
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === '') frame.comment = value;
            else if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
          }
          stream.frames.push(frame);
          for (const w of [...waiters]) w();
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return stream;
}
