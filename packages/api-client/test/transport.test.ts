import { Readable } from 'node:stream';
import {
  ApiError,
  contract,
  createClient,
  describeRetry,
  NetworkError,
  type RetryEvent,
} from '@snapshotplot/api-client';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, fakeApi } from './support/fake-api.js';
import { BASE, recordingSleep, snapshot } from './support/fixtures.js';
import { handle, requestLine } from './support/handle.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A client whose backoff is recorded instead of slept. */
function setup(o: { retries?: number; timeoutMs?: number } = {}) {
  const api = fakeApi();
  server.use(...api.handlers);
  const clock = recordingSleep();
  const client = createClient({
    baseUrl: `${BASE}/`,
    token: 'spt_secret',
    sleep: clock.sleep,
    ...o,
  });
  return { api, client, delays: clock.delays };
}

/** Overrides getSnapshot('snap_1') with the given responses in turn (the last repeats). */
function getAnswers(...answers: Array<() => Response | Promise<Response>>) {
  const seen: Request[] = [];
  server.use(
    handle(
      contract.getSnapshot,
      ({ request }) => {
        seen.push(request);
        return answers[Math.min(seen.length, answers.length) - 1]!();
      },
      { params: { id: 'snap_1' } },
    ),
  );
  return seen;
}

describe('retries', () => {
  it('retries a 503 and then succeeds', async () => {
    const { client, delays } = setup();
    const seen = getAnswers(
      () => errorBody(503, 'storage_unavailable', 'Storage is down.'),
      () => errorBody(503, 'storage_unavailable', 'Storage is down.'),
      () => HttpResponse.json(snapshot()),
    );
    await expect(client.getSnapshot('snap_1')).resolves.toMatchObject({ id: 'snap_1' });
    expect(seen).toHaveLength(3);
    expect(delays).toHaveLength(2);
    // Exponential backoff with ±20% jitter around 2 s, then 6 s.
    expect(delays[0]).toBeGreaterThanOrEqual(1600);
    expect(delays[0]).toBeLessThanOrEqual(2400);
    expect(delays[1]).toBeGreaterThanOrEqual(4800);
    expect(delays[1]).toBeLessThanOrEqual(7200);
  });

  it.each([400, 401, 403, 404, 422])('never retries a %i', async (status) => {
    const { client, delays } = setup();
    const seen = getAnswers(() => errorBody(status, 'some_error', `Failed with ${status}.`));
    const error = await client.getSnapshot('snap_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    // A code this client does not know is named as such; the server's own is kept beside it.
    expect(error).toMatchObject({
      status,
      code: 'unknown_error',
      serverCode: 'some_error',
      message: `Failed with ${status}.`,
    });
    expect(seen).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it.each([408, 425, 429, 500, 502, 504])('retries a %i', async (status) => {
    const { client } = setup();
    const seen = getAnswers(
      () => errorBody(status, 'transient', 'Try again.'),
      () => HttpResponse.json(snapshot()),
    );
    await client.getSnapshot('snap_1');
    expect(seen).toHaveLength(2);
  });

  it('retries a 409 idempotency_key_in_use (our own attempt still running) but no other 409', async () => {
    const { client } = setup();
    const body = { project_id: 'proj_1', title: 'T' };
    let posts = 0;
    server.use(
      handle(contract.publish, () => {
        posts++;
        if (posts === 1) return errorBody(409, 'idempotency_key_in_use', 'Still in progress.');
        if (posts === 3) return errorBody(409, 'conflict', 'Something else.');
        return undefined;
      }),
    );
    await expect(client.publish(body, { idempotencyKey: 'k' })).resolves.toMatchObject({
      snapshot_id: 'snap_1',
    });
    expect(posts).toBe(2);
    await expect(client.publish(body, { idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(posts).toBe(3);
  });

  it('never retries a 507 quota_exceeded, but retries a 507 insufficient_storage', async () => {
    const { client, delays } = setup();
    const seen = getAnswers(
      () => errorBody(507, 'insufficient_storage', 'Disk full.'),
      () => errorBody(507, 'quota_exceeded', 'The project is over its quota.'),
      () => HttpResponse.json(snapshot()),
    );
    await expect(client.getSnapshot('snap_1')).rejects.toMatchObject({
      status: 507,
      code: 'quota_exceeded',
      message: 'The project is over its quota.',
    });
    expect(seen).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('gives up after 5 attempts by default with the last ApiError', async () => {
    const { client, delays } = setup();
    const seen = getAnswers(() => errorBody(500, 'internal_error', 'Boom.'));
    await expect(client.getSnapshot('snap_1')).rejects.toMatchObject({
      status: 500,
      code: 'internal_error',
    });
    expect(seen).toHaveLength(5);
    // The default waits add up to about a minute of outage survived.
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(40_000);
    expect(total).toBeLessThan(70_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
  });

  it('honours Retry-After in seconds', async () => {
    const { client, delays } = setup();
    getAnswers(
      () => errorBody(429, 'rate_limited', 'Slow down.', { 'retry-after': '7' }),
      () => HttpResponse.json(snapshot()),
    );
    await client.getSnapshot('snap_1');
    expect(delays).toEqual([7000]);
  });

  it('honours Retry-After as an HTTP date, capped at maxRetryAfterMs', async () => {
    const api = fakeApi();
    server.use(...api.handlers);
    const clock = recordingSleep();
    const client = createClient({ baseUrl: BASE, sleep: clock.sleep, maxRetryAfterMs: 5_000 });
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    const soon = new Date(Date.now() + 3_000).toUTCString();
    getAnswers(
      () => errorBody(503, 'storage_unavailable', 'Down.', { 'retry-after': inAnHour }),
      () => errorBody(503, 'storage_unavailable', 'Down.', { 'retry-after': soon }),
      () => HttpResponse.json(snapshot()),
    );
    await client.getSnapshot('snap_1');
    expect(clock.delays[0]).toBe(5_000);
    // HTTP dates have 1 s resolution.
    expect(clock.delays[1]).toBeGreaterThan(1_000);
    expect(clock.delays[1]).toBeLessThanOrEqual(3_000);
  });

  it('sends the same x-request-id on every attempt with an increasing x-attempt', async () => {
    const { client } = setup();
    const seen = getAnswers(
      () => errorBody(502, 'bad_gateway', 'Down.'),
      () => errorBody(502, 'bad_gateway', 'Down.'),
      () => HttpResponse.json(snapshot()),
    );
    await client.getSnapshot('snap_1');
    const ids = seen.map((r) => r.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.map((r) => r.headers.get('x-attempt'))).toEqual(['1', '2', '3']);
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer spt_secret');
    expect(seen[0]!.headers.get('user-agent')).toMatch(/^snapshotplot\/\d+\.\d+\.\d+/);
  });

  it('retries network errors and then reports a NetworkError naming the host', async () => {
    const { client, delays } = setup({ retries: 2 });
    const seen = getAnswers(() => HttpResponse.error());
    const error = await client.getSnapshot('snap_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network_error' });
    expect((error as Error).message).toContain('api.snapshotplot.test');
    expect((error as Error).message).toContain('3 attempts');
    expect(seen).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });
});

describe('onRetry', () => {
  /** A client that records its retry events and the lines describeRetry makes of them. */
  function listening(o: { retries?: number } = {}) {
    const clock = recordingSleep();
    const events: RetryEvent[] = [];
    const client = createClient({
      baseUrl: BASE,
      sleep: clock.sleep,
      onRetry: (e) => events.push(e),
      ...o,
    });
    return { client, events, delays: clock.delays, lines: () => events.map(describeRetry) };
  }

  it('is told before each wait, never after the last attempt or on success', async () => {
    const { client, events, delays, lines } = listening();
    getAnswers(
      () => errorBody(503, 'storage_unavailable', 'Storage is down.', { 'retry-after': '2' }),
      () => errorBody(429, 'rate_limited', 'Slow down.', { 'retry-after': '30' }),
      () => HttpResponse.json(snapshot()),
    );
    await client.getSnapshot('snap_1');
    expect(events.map((e) => [e.attempt, e.attempts, e.delayMs])).toEqual([
      [2, 5, 2_000],
      [3, 5, 30_000],
    ]);
    // The wait it announces is the wait slept.
    expect(delays).toEqual([2_000, 30_000]);
    expect(events[0]!.error).toBeInstanceOf(ApiError);
    expect(lines()).toEqual([
      'retrying in 2 s (attempt 2 of 5): GET api.snapshotplot.test/api/snapshots/snap_1 answered HTTP 503: Storage is down.',
      'retrying in 30 s (attempt 3 of 5): GET api.snapshotplot.test/api/snapshots/snap_1 answered HTTP 429: Slow down.',
    ]);
  });

  it('names a network failure and counts attempts against the retries given', async () => {
    const { client, events, lines } = listening({ retries: 2 });
    getAnswers(() => HttpResponse.error());
    await expect(client.getSnapshot('snap_1')).rejects.toBeInstanceOf(NetworkError);
    // Three attempts, two waits: nothing is said after the third, which is the last.
    expect(events.map((e) => `${e.attempt}/${e.attempts}`)).toEqual(['2/3', '3/3']);
    expect(lines()[0]).toMatch(
      /^retrying in \d s \(attempt 2 of 3\): Could not reach api\.snapshotplot\.test\/api\/snapshots\/snap_1: /,
    );
  });

  it('says only the status of an error page that is not a contract error body', async () => {
    const { client, lines } = listening({ retries: 1 });
    getAnswers(
      () => new HttpResponse('<html><h1>502 Bad Gateway</h1></html>', { status: 502 }),
      () => HttpResponse.json(snapshot()),
    );
    await client.getSnapshot('snap_1');
    expect(lines()).toEqual([
      expect.stringMatching(
        /^retrying in \d s \(attempt 2 of 2\): GET api\.snapshotplot\.test\/api\/snapshots\/snap_1 answered HTTP 502$/,
      ),
    ]);
  });

  it('is not told about errors that are not retried, and keeps upload tokens out', async () => {
    const { client, events } = listening();
    getAnswers(() => errorBody(404, 'not_found', 'No such snapshot.'));
    await expect(client.getSnapshot('snap_1')).rejects.toBeInstanceOf(ApiError);
    expect(events).toEqual([]);

    const target = `${BASE}/upload/plot/snap_1?token=secret-upload-token`;
    let puts = 0;
    server.use(
      http.put(`${BASE}/upload/plot/snap_1`, () =>
        // An empty 200 is a presigned PUT's answer, which the client accepts.
        ++puts === 1 ? errorBody(503, 'storage_unavailable', 'Down.') : new HttpResponse(null),
      ),
    );
    const body = () => Readable.from([Buffer.from('png')]);
    await client.upload(target, body, { contentType: 'image/png', size: 3 });
    expect(events.map((e) => `${e.method} ${e.target}`)).toEqual([
      'PUT api.snapshotplot.test/upload/plot/snap_1',
    ]);
    expect(JSON.stringify(events.map(describeRetry))).not.toContain('secret-upload-token');
  });

  it('a listener that throws does not change the outcome', async () => {
    const clock = recordingSleep();
    const client = createClient({
      baseUrl: BASE,
      sleep: clock.sleep,
      onRetry: () => {
        throw new Error('stderr is closed');
      },
    });
    getAnswers(
      () => errorBody(503, 'storage_unavailable', 'Down.'),
      () => HttpResponse.json(snapshot()),
    );
    await expect(client.getSnapshot('snap_1')).resolves.toMatchObject({ id: 'snap_1' });
    expect(clock.delays).toHaveLength(1);
  });
});

describe('timeouts', () => {
  it('aborts an attempt to a hanging server and reports a timeout', async () => {
    const { client } = setup({ timeoutMs: 50, retries: 1 });
    const seen = getAnswers(async () => {
      await delay('infinite');
      return HttpResponse.json(snapshot());
    });
    const started = Date.now();
    const error = await client.getSnapshot('snap_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect((error as Error).message).toMatch(/timed out after 50 ms \(2 attempts\)/);
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('unexpected bodies', () => {
  it('turns an HTML 502 from a proxy into a readable ApiError', async () => {
    const { client } = setup({ retries: 0 });
    const page =
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>' +
      `</center><hr><center>nginx/1.25.3</center>${'<p>padding</p>'.repeat(100)}</body></html>`;
    getAnswers(
      () => new HttpResponse(page, { status: 502, headers: { 'content-type': 'text/html' } }),
    );
    const error = (await client.getSnapshot('snap_1').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.code).toBe('bad_gateway');
    expect(error.message).toContain('HTTP 502');
    expect(error.message).toContain('api.snapshotplot.test');
    expect(error.message).toContain('502 Bad Gateway');
    expect(error.message).toContain('nginx/1.25.3');
    expect(error.message).not.toContain('<');
    expect(error.message.length).toBeLessThan(500);
  });

  it('never gives an empty message for an empty error body', async () => {
    const { client } = setup({ retries: 0 });
    getAnswers(() => new HttpResponse(null, { status: 500 }));
    const error = (await client.getSnapshot('snap_1').catch((e: unknown) => e)) as ApiError;
    expect(error.message).toMatch(/HTTP 500.*\(empty body\)/);
  });

  it('rejects a 2xx body that does not match the contract as invalid_response', async () => {
    const { client } = setup();
    const seen = getAnswers(() => HttpResponse.json({ ...snapshot(), status: 'weird' }));
    const error = (await client.getSnapshot('snap_1').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/unexpected body \(status: Invalid option/);
    expect(seen).toHaveLength(1);
  });

  it('rejects a 2xx HTML page as invalid_response', async () => {
    const { client } = setup();
    getAnswers(() => HttpResponse.html('<html><body>Welcome to nginx!</body></html>'));
    await expect(client.getSnapshot('snap_1')).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringContaining('Welcome to nginx!'),
    });
  });
});

describe('endpoints', () => {
  it('lists snapshots with a query, lists collections and deletes', async () => {
    const { client, api } = setup();
    const list = await client.listSnapshots('proj_1', { branch: 'main', limit: 5, pr_number: 3 });
    expect(list.data[0]!.id).toBe('snap_1');
    const cols = await client.listCollections('proj_1');
    expect(cols.data[0]!.name).toBe('experiments');
    await client.deleteSnapshot('snap_1');
    // The query goes in the order of the contract's query schema, whatever the caller's order.
    expect(api.requests.map((r) => `${r.method} ${r.url.slice(BASE.length)}`)).toEqual([
      `${requestLine(contract.listSnapshots, { id: 'proj_1' })}?branch=main&pr_number=3&limit=5`,
      requestLine(contract.listCollections, { id: 'proj_1' }),
      requestLine(contract.deleteSnapshot, { id: 'snap_1' }),
    ]);
  });

  it('sends the Idempotency-Key header and reports created from 201 vs 200', async () => {
    const { client, api } = setup();
    const body = { project_id: 'proj_1', title: 'T' };
    const first = await client.publish(body, { idempotencyKey: 'k1' });
    const second = await client.publish(body, { idempotencyKey: 'k1' });
    expect([first.created, second.created]).toEqual([true, false]);
    expect(api.requests.map((r) => r.headers.get('idempotency-key'))).toEqual(['k1', 'k1']);
  });
});
