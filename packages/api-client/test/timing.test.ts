/**
 * onTiming over real sockets: one event per answered attempt (a retried 503 too), a connect
 * time for a new connection and none for a kept-alive one, the query (upload tokens) left out.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { describeTiming, type TimingEvent } from '../src/timing.js';

let failures = 0;
const server = createServer((_req, res) => {
  if (failures > 0) {
    failures--;
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'down' } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: [], next_cursor: null }));
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('onTiming', () => {
  it('reports each attempt: connect on a new connection, reuse after, the retry as attempt 2', async () => {
    const events: TimingEvent[] = [];
    const client = createClient({
      baseUrl: url,
      token: 'spt_x',
      sleep: async () => {},
      onTiming: (e) => events.push(e),
    });
    failures = 1;
    await client.listCollections('prj_1');
    await client.listCollections('prj_1');
    expect(events.map((e) => [e.method, e.status, e.attempt])).toEqual([
      ['GET', 503, 1],
      ['GET', 200, 2],
      ['GET', 200, 1],
    ]);
    expect(events[0]!.connectMs).toBeGreaterThanOrEqual(0);
    // Kept alive: the later requests ride the first connection.
    expect(events[2]!.connectMs).toBeUndefined();
    for (const e of events) {
      expect(e.target).toBe(`${new URL(url).host}/api/projects/prj_1/collections`);
      expect(e.totalMs).toBeGreaterThanOrEqual(e.ttfbMs);
      expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(describeTiming(events[1]!)).toMatch(
      /^GET \S+ 200: (connect \d+\.\d ms|connection reused), first byte \d+\.\d ms, total \d+\.\d ms \(attempt 2\)$/,
    );
  });

  it('a listener that throws does not fail the call', async () => {
    const client = createClient({
      baseUrl: url,
      token: 'spt_x',
      onTiming: () => {
        throw new Error('closed stderr');
      },
    });
    await expect(client.listCollections('prj_1')).resolves.toBeDefined();
  });
});
