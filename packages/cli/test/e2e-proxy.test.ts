/**
 * End to end: the built bin sends through the proxy HTTP_PROXY names (npm undici's agent, which
 * the bundle loads only then) and straight to the server without one. Run `pnpm build` first.
 */
import { type ConnectProxy, startConnectProxy } from '@snapshotplot/api-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, setupE2e } from './helpers/e2e-setup.js';
import { runCli } from './helpers/run-cli.js';

let e: E2e;
let proxy: ConnectProxy;
let proxyUrl = '';
let tunnels: string[] = [];
beforeAll(async () => {
  e = await setupE2e();
  proxy = await startConnectProxy();
  proxyUrl = proxy.url;
  tunnels = proxy.tunnels;
});
afterAll(async () => {
  await proxy?.close();
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
