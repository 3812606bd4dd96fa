/**
 * End to end: while the client retries (server down, 503, 429) the CLI says so on stderr after
 * each failed attempt, and the exit code and --json stdout stay what they were. The built bin
 * against a real server behind a node:http front that fails the first requests; run
 * `pnpm build` first.
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, setupE2e } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

let e: E2e;
beforeAll(async () => {
  e = await setupE2e();
});
afterAll(async () => {
  await e?.teardown();
});

interface Front {
  url: string;
  /** Requests answered 503 so far. */
  refused: () => number;
  close: () => Promise<void>;
}

/**
 * A proxy to `target` that answers the first `failures` requests matching `match` with a 503
 * (a contract error body, `Retry-After: 1` so the test waits a second, not the default 2 s).
 */
async function flakyFront(
  target: string,
  failures: number,
  match: (req: IncomingMessage) => boolean,
): Promise<Front> {
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (refused < failures && match(req)) {
      refused++;
      req.resume().on('end', () => {
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
          .end(
            JSON.stringify({ error: { code: 'unavailable', message: 'Down for maintenance.' } }),
          );
      });
      return;
    }
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused: () => refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port on which nothing listens (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const retryLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('retrying in'));

describe('retry messages (built bin, real server)', () => {
  it('says each retry of a publish answered 503 twice, then succeeds with the same output', async () => {
    const front = await flakyFront(
      e.server.url,
      2,
      (req) => req.method === 'POST' && req.url === '/api/snapshots/publish',
    );
    try {
      const run = await runCli(
        ['publish', '--title', 'Flaky', '--plot', 'fig.png', '--collection', 'e2e-retry', '--json'],
        { cwd: e.repo.dir, env: e.env({ SNAPSHOTPLOT_API_URL: front.url }) },
      );
      expect(run.code).toBe(0);
      expect(front.refused()).toBe(2);
      const host = front.url.replace('http://', '');
      expect(retryLines(run.stderr)).toEqual([
        `  retrying in 1 s (attempt 2 of 5): POST ${host}/api/snapshots/publish answered HTTP 503: Down for maintenance.`,
        `  retrying in 1 s (attempt 3 of 5): POST ${host}/api/snapshots/publish answered HTTP 503: Down for maintenance.`,
      ]);
      // Said after the publishing line, while it happens, not as part of the result.
      expect(run.stderr.indexOf('Publishing "Flaky"')).toBeLessThan(
        run.stderr.indexOf('retrying in'),
      );
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ status: 'ready', uploaded: true });
    } finally {
      await front.close();
    }
  });

  it('says the retries of a read command too, on stderr only', async () => {
    const front = await flakyFront(e.server.url, 1, (req) => req.method === 'GET');
    try {
      const run = await runCli(['list', '--json'], {
        cwd: e.repo.dir,
        env: e.env({ SNAPSHOTPLOT_API_URL: front.url }),
      });
      expect(run.code).toBe(0);
      expect(retryLines(run.stderr)).toEqual([
        expect.stringMatching(/^ {2}retrying in 1 s \(attempt 2 of 5\): GET .* answered HTTP 503/),
      ]);
      expect(JSON.parse(run.stdout)).toHaveProperty('data');
    } finally {
      await front.close();
    }
  });

  it('says the retry when nothing listens, then exits 4 as before', async () => {
    const port = await closedPort();
    const run = await runCli(['publish', '--title', 'Down', '--plot', 'fig.png', '--json'], {
      cwd: e.repo.dir,
      env: e.env({ SNAPSHOTPLOT_API_URL: `http://127.0.0.1:${port}`, SNAPSHOTPLOT_RETRIES: '1' }),
    });
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    // The default first backoff: 2 s ± 20 %, said in whole seconds.
    expect(retryLines(run.stderr)).toEqual([
      `  retrying in 2 s (attempt 2 of 2): Could not reach 127.0.0.1:${port}/api/snapshots/publish: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    expect(run.stderr).toMatch(/error: .*\(2 attempts\).*SNAPSHOTPLOT_API_URL/);
  });

  it('says nothing about retrying when no retry is left (SNAPSHOTPLOT_RETRIES=0)', async () => {
    const port = await closedPort();
    const run = await runCli(['publish', '--title', 'Down', '--plot', 'fig.png'], {
      cwd: e.repo.dir,
      env: e.env({ SNAPSHOTPLOT_API_URL: `http://127.0.0.1:${port}`, SNAPSHOTPLOT_RETRIES: '0' }),
    });
    expect(run.code).toBe(4);
    expect(retryLines(run.stderr)).toEqual([]);
  });
});
