/**
 * End to end: the built bin sends through the proxy HTTP_PROXY names (npm undici's agent, which
 * the bundle loads only then) and straight to the server without one. Run `pnpm build` first.
 */
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, setupE2e } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

/** A forward proxy that tunnels CONNECT requests and records where to. */
const tunnels: string[] = [];
const proxy = createServer((_req, res) => res.writeHead(405).end());
proxy.on('connect', (req, client, head) => {
  tunnels.push(req.url ?? '');
  const [host, port] = (req.url ?? '').split(':');
  const upstream = connect(Number(port), host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(client).pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
});

let e: E2e;
let proxyUrl = '';
beforeAll(async () => {
  e = await setupE2e();
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await e?.teardown();
});

describe('HTTP(S)_PROXY (built bin, real server)', () => {
  it('publishes through the proxy HTTP_PROXY names', async () => {
    tunnels.length = 0;
    const run = await runCli(
      ['publish', '--title', 'Proxied', '--plot', 'fig.png', '--collection', 'e2e-proxy', '--json'],
      { cwd: e.repo.dir, env: e.env({ HTTP_PROXY: proxyUrl }) },
    );
    expect(run.stderr).not.toContain('error:');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ready', uploaded: true });
    // Publish, upload and finalize all went through it (one tunnel or several: keep-alive).
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([e.server.url.replace('http://', '')]));
  });

  it('goes straight to the server without a proxy variable', async () => {
    tunnels.length = 0;
    const run = await runCli(['list', '--collection', 'e2e-proxy', '--json'], {
      cwd: e.repo.dir,
      env: e.env(),
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).data.map((s: { title: string }) => s.title)).toEqual(['Proxied']);
    expect(tunnels).toEqual([]);
  });
});
