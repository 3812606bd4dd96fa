/** Slow bodies and connection exhaustion: body deadlines, headersTimeout, connection caps. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { errorOf, type Harness, PNG, publish, sha256, startHarness, upload } from './helpers.js';
import { exchange, open, parseResponse, type Trickled, trickle } from './slow-bodies-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BOUNDARY = 'sp-slow';
const multipartHead = (projectId: string, title: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify({ project_id: projectId, title })}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="plot"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n${PNG.toString('latin1')}`;

/** The server cut the trickled body: it closed the socket, after a 408 if it answered at all. */
function expectCut(t: Trickled, answered?: number) {
  expect(t.closed).toBe(true);
  const res = parseResponse(t.response);
  if (answered !== undefined) expect(res?.status).toBe(answered);
  if (res && res.status === 408) {
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body).error.code).toBe('request_timeout');
  }
}

/** publish JSON + PUT + finalize through fetch, as the client does. */
async function normalPublish(hh: Harness, title: string) {
  const pub = await publish(hh, { title, checksums: { plot: sha256(PNG) } });
  expect(pub.status).toBe(201);
  expect((await upload(pub.body.upload_urls.plot!, PNG)).status).toBe(200);
  const fin = await hh.api('POST', '/api/snapshots/finalize', {
    json: { project_id: hh.projectId, snapshot_id: pub.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  return pub.body.snapshot_id;
}

const healthy = async (hh: Harness) =>
  expect((await fetch(`${hh.url}/healthz`, { headers: { connection: 'close' } })).status).toBe(200);

describe('body deadlines', () => {
  it('cuts trickled upload, sign-in, JSON publish, multipart publish and GET bodies while a normal publish completes', async () => {
    h = await startHarness({ config: { bodyTimeoutMs: 500, uploadTimeoutMs: 1000 } });
    const hh = h;
    const auth = `Authorization: Bearer ${hh.token}\r\nHost: x`;
    const pending = await publish(hh, { title: 'slow upload' });
    const put = new URL(pending.body.upload_urls.plot!);
    const cuts = Promise.all([
      trickle(
        hh.url,
        `PUT ${put.pathname}${put.search} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png`,
        {
          prefix: PNG.toString('latin1'),
        },
      ),
      trickle(
        hh.url,
        'POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded',
        { prefix: 'token=spt_' },
      ),
      trickle(
        hh.url,
        `POST /api/snapshots/publish HTTP/1.1\r\n${auth}\r\nContent-Type: application/json`,
        { prefix: `{"project_id":"${hh.projectId}","title":"slow json"` },
      ),
      trickle(
        hh.url,
        `POST /api/snapshots/publish HTTP/1.1\r\n${auth}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}`,
        { prefix: multipartHead(hh.projectId, 'slow multipart') },
      ),
      // Answered without reading the body, which would hold the socket while Node discards it.
      trickle(hh.url, 'GET /healthz HTTP/1.1\r\nHost: x'),
    ]);
    const id = await normalPublish(hh, 'normal');
    const [slowPut, signin, json, multipart, get] = await cuts;
    expectCut(slowPut, 408);
    expectCut(signin, 408);
    expectCut(json, 408);
    expectCut(multipart, 408);
    // 200 when /healthz answered before the deadline, 408 when not: cut either way.
    expectCut(get);
    // Nothing of the cut requests was stored: one snapshot, one file, no temp file left.
    const list = await (await hh.api('GET', `/api/projects/${hh.projectId}/snapshots`)).json();
    const ids = (list as { data: Array<{ id: string }> }).data.map((s) => s.id);
    expect(ids.sort()).toEqual([id, pending.body.snapshot_id].sort());
    const left = await (await hh.api('GET', `/api/snapshots/${pending.body.snapshot_id}`)).json();
    expect(left).toMatchObject({ status: 'pending', files: { plot: null } });
    await vi.waitFor(async () => expect(await hh.files()).toHaveLength(1), { timeout: 3000 });
    await healthy(hh);
  });

  it('a PUT upload and a multipart publish slower than the JSON deadline finish within the upload deadline', async () => {
    h = await startHarness({ config: { bodyTimeoutMs: 200, uploadTimeoutMs: 20_000 } });
    const hh = h;
    const pub = await publish(hh, { title: 'slow but fine' });
    const { pathname, search } = new URL(pub.body.upload_urls.plot!);
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const slowly = async (head: string, first: string, rest: string) => {
      const socket = await open(hh.url);
      let raw = '';
      socket.on('data', (d) => {
        raw += d.toString('latin1');
      });
      const closed = new Promise((r) => socket.once('close', r));
      socket.write(
        `${head}\r\nHost: x\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(first + rest, 'latin1')}\r\n\r\n`,
      );
      socket.write(Buffer.from(first, 'latin1'));
      await pause(600); // past bodyTimeoutMs on purpose: the upload deadline applies instead
      socket.write(Buffer.from(rest, 'latin1'));
      await closed;
      return parseResponse(raw)?.status;
    };
    const png = PNG.toString('latin1');
    expect(
      await slowly(
        `PUT ${pathname}${search} HTTP/1.1\r\nContent-Type: image/png`,
        png.slice(0, 5),
        png.slice(5),
      ),
    ).toBe(200);
    const head = multipartHead(hh.projectId, 'slow direct');
    expect(
      await slowly(
        `POST /api/snapshots/publish HTTP/1.1\r\nAuthorization: Bearer ${hh.token}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}`,
        head.slice(0, -3),
        `${head.slice(-3)}\r\n--${BOUNDARY}--\r\n`,
      ),
    ).toBe(201);
  });

  it('headersTimeout: a client trickling its headers gets 408 and is closed', async () => {
    h = await startHarness({ config: { headersTimeoutMs: 300 } });
    const socket = await open(h.url);
    let raw = '';
    socket.on('data', (d) => {
      raw += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.write('X'), 40);
    const closed = await new Promise<boolean>((resolve) => {
      const guard = setTimeout(() => resolve(false), 5000);
      socket.once('close', () => resolve(clearTimeout(guard) === undefined));
    });
    clearInterval(drip);
    expect(closed).toBe(true);
    expect(parseResponse(raw)?.status).toBe(408);
    await healthy(h);
  });
});

describe('connection caps', () => {
  it('maxConnections: a connection over the cap is closed without an answer; others are served', async () => {
    h = await startHarness({ config: { maxConnections: 5 } });
    const hh = h;
    // Five keep-alive connections, each known to the server (it answered a request on it).
    const held = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = await open(hh.url);
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await new Promise((r) => s.once('data', r));
        return s;
      }),
    );
    const extra = await exchange(
      hh.url,
      'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(extra).toMatchObject({ closed: true, response: '' });
    for (const s of held) s.destroy();
    await vi.waitFor(() => healthy(hh), { timeout: 3000 });
  });

  it('maxUnauthenticated: over the cap 503 server_busy with Retry-After at once; credentials still get in', async () => {
    h = await startHarness({ config: { maxUnauthenticated: 5, bodyTimeoutMs: 30_000 } });
    const hh = h;
    const sockets: Array<Awaited<ReturnType<typeof open>>> = [];
    for (let i = 0; i < 5; i++) {
      const s = await open(hh.url);
      s.on('error', () => {});
      // The sign-in form authenticates by its body: a bearer header or cookie does not count.
      const forged = [
        '',
        'Authorization: Bearer spt_forged\r\n',
        'Cookie: snapshotplot_session=v1.x.y\r\n',
      ][i % 3];
      s.write(
        `POST /signin HTTP/1.1\r\nHost: x\r\n${forged}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntoken=`,
      );
      sockets.push(s);
    }
    // The five are admitted as soon as their headers are parsed; poll until the sixth is refused.
    let busy: Response | undefined;
    await vi.waitFor(
      async () => {
        busy = await fetch(`${hh.url}/healthz`, { headers: { connection: 'close' } });
        expect(busy.status).toBe(503);
      },
      { timeout: 3000 },
    );
    expect(busy!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(busy!.headers.get('connection')).toBe('close');
    expect(await errorOf(busy!)).toMatchObject({ status: 503, code: 'server_busy' });
    // Credential-looking material that no route checks does not buy admission ...
    const sigOnHealth = await fetch(`${hh.url}/healthz?sig=x&expires=1`);
    expect(await errorOf(sigOnHealth)).toMatchObject({ status: 503, code: 'server_busy' });
    const cookieOnHealth = await fetch(`${hh.url}/healthz`, {
      headers: { cookie: 'snapshotplot_session=v1.x.y' },
    });
    expect(await errorOf(cookieOnHealth)).toMatchObject({ status: 503, code: 'server_busy' });
    // ... a forged bearer header gets past admission only to a 401, never a storage check ...
    const forgedHealth = await fetch(`${hh.url}/healthz`, {
      headers: { authorization: 'Bearer spt_forged' },
    });
    expect(await errorOf(forgedHealth)).toMatchObject({ status: 401, code: 'invalid_token' });
    // ... while a real token's probe is answered.
    const probe = await fetch(`${hh.url}/healthz`, {
      headers: { authorization: `Bearer ${await hh.tokenFor(hh.projectId, 'reader')}` },
    });
    expect(probe.status).toBe(200);
    // A request with a credential is not counted against the unauthenticated cap.
    await normalPublish(hh, 'while busy');
    for (const s of sockets) s.destroy();
    await vi.waitFor(() => healthy(hh), { timeout: 3000 });
  });
});

describe('settings', () => {
  it('the limits come from flags over SNAPSHOTPLOT_* variables; a bad value names its flag', () => {
    const env = {
      SNAPSHOTPLOT_BODY_TIMEOUT_MS: '2500',
      SNAPSHOTPLOT_HEADERS_TIMEOUT_MS: '4000',
      SNAPSHOTPLOT_MAX_CONNECTIONS: '9',
      SNAPSHOTPLOT_MAX_UNAUTHENTICATED: '3',
    };
    expect(resolveConfig({ maxConnections: '7' }, env)).toMatchObject({
      bodyTimeoutMs: 2500,
      headersTimeoutMs: 4000,
      maxConnections: 7,
      maxUnauthenticated: 3,
    });
    const defaults = resolveConfig({}, {});
    expect(defaults).toMatchObject({
      bodyTimeoutMs: 10_000,
      headersTimeoutMs: 10_000,
      maxUnauthenticated: 64,
    });
    // Unset: derived from the descriptor limit at start (slow-bodies-process.test.ts).
    expect(defaults.maxConnections).toBeUndefined();
    expect(() => resolveConfig({ maxUnauthenticated: '0' }, {})).toThrow(/--max-unauthenticated/);
  });
});
