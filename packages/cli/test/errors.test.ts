/**
 * Exit-code mapping with real errors: the client talking HTTP to a small server that answers
 * each status, a closed port, and a missing file.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '@snapshotplot/api-client';
import { inspectFile } from '@snapshotplot/core';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchError, CliError, toCliError } from '../src/errors.js';

let server: Server;
let base: string;
beforeAll(async () => {
  // GET /status/NNN answers NNN with the contract's error body.
  server = createServer((req, res) => {
    const status = Number(req.url?.split('/').pop());
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_test' });
    res.end(JSON.stringify({ error: { code: `code_${status}`, message: `answer ${status}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The error a client call fails with when the server answers `status` (with `code_<status>`). */
async function apiError(status: number) {
  // Whatever path the client asks for, the fetch goes to the status route.
  const failing = createClient({
    baseUrl: base,
    token: 't',
    retries: 0,
    sleep: async () => {},
    fetch: (_input, init) => fetch(`${base}/status/${status}`, init),
  });
  return failing.getSnapshot('snap_x').catch((e: unknown) => e);
}

const ctx = { project: 'proj_1', apiUrl: 'http://plots.example' };

describe('toCliError', () => {
  it('maps 401 and 403 to exit 3 with a hint about the token and the project', async () => {
    const unauthorized = await toCliError(await apiError(401), ctx);
    expect(unauthorized.exitCode).toBe(3);
    expect(unauthorized.message).toMatch(/--token or SNAPSHOTPLOT_TOKEN/);
    expect(unauthorized.message).toContain('req_test');
    const forbidden = await toCliError(await apiError(403), ctx);
    expect(forbidden.exitCode).toBe(3);
    expect(forbidden.message).toContain('proj_1');
  });

  it('maps upload URL failures to exit 4, not to a token problem', async () => {
    const { ApiError } = await import('@snapshotplot/api-client');
    const expired = new ApiError({
      status: 403,
      code: 'upload_url_expired',
      message: 'The upload URL expired.',
    });
    const mapped = await toCliError(expired, ctx);
    expect(mapped.exitCode).toBe(4);
    expect(mapped.message).toBe(
      'The upload failed after retries: The upload URL expired. Run the command again.',
    );
  });

  it('maps server failures and unreachable servers to exit 4', async () => {
    for (const status of [500, 503, 429])
      expect((await toCliError(await apiError(status), ctx)).exitCode).toBe(4);
    const client = createClient({
      baseUrl: 'http://127.0.0.1:9',
      token: 't',
      retries: 0,
      sleep: async () => {},
    });
    const network = await toCliError(
      await client.getSnapshot('snap_x').catch((e: unknown) => e),
      ctx,
    );
    expect(network.exitCode).toBe(4);
    expect(network.message).toContain(
      '--api-url or SNAPSHOTPLOT_API_URL (now http://plots.example)',
    );
  });

  it('maps refused input and bad local files to exit 2, other answers to exit 1', async () => {
    for (const status of [400, 413, 415, 422])
      expect((await toCliError(await apiError(status), ctx)).exitCode).toBe(2);
    expect((await toCliError(await apiError(404), ctx)).exitCode).toBe(1);
    const missing = await inspectFile('plot', '/nonexistent/fig.png').catch((e: unknown) => e);
    const mapped = await toCliError(missing, ctx);
    expect(mapped.exitCode).toBe(2);
    expect(mapped.message).toContain('/nonexistent/fig.png');
  });

  it('keeps CliErrors, maps commander usage errors to 2 and help/version to 0', async () => {
    const own = new CliError(2, 'Missing x');
    expect(await toCliError(own)).toBe(own);
    expect(
      (await toCliError(new CommanderError(1, 'commander.unknownOption', 'bad'))).exitCode,
    ).toBe(2);
    expect((await toCliError(new CommanderError(0, 'commander.version', '1.0.0'))).exitCode).toBe(
      0,
    );
  });

  it('maps anything else to exit 1 with a message that is never empty', async () => {
    const weird = await toCliError(new Error(''));
    expect(weird.exitCode).toBe(1);
    expect(weird.message).toBe('Unexpected error: unknown. Run again with --debug for details.');
    expect((await toCliError('a string')).message).toContain('a string');
  });

  it('a batch takes the exit code of its first failure and lists every one', async () => {
    const batch = new BatchError(
      [
        { label: 'fig-01', error: await apiError(401) },
        { label: 'fig-02', error: await apiError(500) },
      ],
      5,
    );
    const mapped = await toCliError(batch, ctx);
    expect(mapped.exitCode).toBe(3);
    expect(mapped.message).toMatch(
      /^2 of 5 snapshots failed:\n {2}fig-01: Authentication failed.*\n {2}fig-02: The server failed/,
    );
  });
});
