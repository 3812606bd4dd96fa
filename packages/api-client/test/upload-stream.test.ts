import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { contract, createClient, NetworkError, pathFor } from '@snapshotplot/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Received, startByteServer, uploadAnswer } from './support/byte-server.js';
import { recordingSleep, snapshot, tempFiles } from './support/fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** An upload URL as a server hands it out: the contract's upload path plus its token. */
const uploadUrl = (base: string, kind = 'plot') =>
  `${base}${pathFor(contract.upload, { kind, snapshot_id: 'snap_1' })}?token=t`;

async function setup(
  answer: (r: Received, res: import('node:http').ServerResponse) => void = uploadAnswer,
) {
  const server = await startByteServer(answer);
  const files = await tempFiles({});
  cleanups.push(server.close, files.cleanup);
  return { server, files };
}

describe('streamed uploads against a real HTTP server', () => {
  it('streams a 200 MiB file without holding it in memory', async () => {
    const { server, files } = await setup();
    const size = 200 * 1024 * 1024;
    const path = files.path('big.png');
    await writeFile(path, '');
    await truncate(path, size); // sparse: created instantly, read as zeros
    const client = createClient({ baseUrl: server.url, fetch: globalThis.fetch });
    global.gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    let lastSent = 0;
    const res = await client.upload(uploadUrl(server.url), path, {
      contentType: 'image/png',
      size,
      onProgress: (sent) => {
        lastSent = sent;
        const m = process.memoryUsage();
        peak = Math.max(
          peak,
          m.heapUsed - before.heapUsed + (m.arrayBuffers - before.arrayBuffers),
        );
      },
    });
    expect(res.size).toBe(size);
    expect(lastSent).toBe(size);
    expect(server.received[0]).toMatchObject({ method: 'PUT', bytes: size });
    expect(server.received[0]!.headers['content-length']).toBe(String(size));
    // Garbage is collected lazily, so allow some slack; a buffered upload would need >= 200 MiB.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  }, 20_000);

  it('sends Content-Type, Content-Length and x-content-sha256 and no bearer token', async () => {
    const { server, files } = await setup();
    const path = files.path('fig.svg');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    await writeFile(path, svg);
    const sha256 = createHash('sha256').update(svg).digest('hex');
    const client = createClient({
      baseUrl: server.url,
      token: 'spt_secret',
      fetch: globalThis.fetch,
    });
    await client.upload(uploadUrl(server.url), path, {
      contentType: 'image/svg+xml',
      size: svg.length,
      sha256,
    });
    expect(server.received[0]!.headers).toMatchObject({
      'content-type': 'image/svg+xml',
      'content-length': String(svg.length),
      'x-content-sha256': sha256,
    });
    expect(server.received[0]!.headers.authorization).toBeUndefined();
    expect(server.received[0]!.sha256).toBe(sha256);
  });

  it('calls a stream factory again on retry, and does not retry a stream that cannot be re-read', async () => {
    let count = 0;
    const { server, files } = await setup((r, res) => {
      count++;
      if (count === 1) {
        res.statusCode = 503;
        res.end('busy');
        return;
      }
      uploadAnswer(r, res);
    });
    const path = files.path('code.py');
    await writeFile(path, 'print(1)\n');
    const client = createClient({
      baseUrl: server.url,
      fetch: globalThis.fetch,
      sleep: recordingSleep().sleep,
    });
    const url = uploadUrl(server.url, 'code');
    let opened = 0;
    const fresh = () => {
      opened++;
      return createReadStream(path);
    };
    await client.upload(url, fresh, { contentType: 'text/x-python', size: 9 });
    expect(opened).toBe(2);
    expect(server.received.map((r) => r.bytes)).toEqual([9, 9]);

    count = 0;
    const once = Readable.from([Buffer.from('print(1)\n')]);
    const error = await client
      .upload(url, () => once, { contentType: 'text/x-python', size: 9 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });
    expect(server.received).toHaveLength(3);
  });

  it('does not follow or retry a redirect answered to an upload', async () => {
    const { server, files } = await setup((_r, res) => {
      res.writeHead(307, { location: '/elsewhere' });
      res.end();
    });
    const path = files.path('fig.png');
    await writeFile(path, Buffer.alloc(1000));
    const client = createClient({
      baseUrl: server.url,
      fetch: globalThis.fetch,
      sleep: recordingSleep().sleep,
    });
    const error = await client
      .upload(uploadUrl(server.url), path, {
        contentType: 'image/png',
        size: 1000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/answered with a redirect.*use the final address/);
    expect(server.received).toHaveLength(1);
  });

  it('times out an upload whose server stops answering (idle timeout)', async () => {
    const { server, files } = await setup(() => {
      // never answers
    });
    const path = files.path('fig.png');
    await writeFile(path, Buffer.alloc(1000));
    const client = createClient({
      baseUrl: server.url,
      fetch: globalThis.fetch,
      timeoutMs: 100,
      retries: 0,
    });
    const error = await client
      .upload(uploadUrl(server.url), path, {
        contentType: 'image/png',
        size: 1000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'timeout' });
  });
});

describe('default fetch', () => {
  it('goes through HTTP_PROXY from the env option, and not for NO_PROXY hosts', async () => {
    const { server } = await setup((_r, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(snapshot()));
    });
    const env = { HTTP_PROXY: server.url, NO_PROXY: '' };
    const viaProxy = createClient({ baseUrl: 'http://snapshots.invalid', env, retries: 0 });
    await expect(viaProxy.getSnapshot('snap_1')).resolves.toMatchObject({ id: 'snap_1' });
    expect(server.tunnels).toEqual(['snapshots.invalid:80']);

    const direct = createClient({
      baseUrl: server.url,
      env: { HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1' },
    });
    await expect(direct.getSnapshot('snap_1')).resolves.toMatchObject({ id: 'snap_1' });
    expect(server.tunnels).toHaveLength(1);
  });

  it('reports a refused connection as a NetworkError with the fix', async () => {
    const closed = await startByteServer(uploadAnswer);
    await closed.close();
    const client = createClient({
      baseUrl: closed.url,
      env: {},
      retries: 1,
      sleep: recordingSleep().sleep,
    });
    const error = (await client.getSnapshot('snap_1').catch((e: unknown) => e)) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(
      /Could not reach 127\.0\.0\.1:\d+.*ECONNREFUSED.*\(2 attempts\)\. Check the API URL/,
    );
  });
});
