/**
 * The default fetch over real sockets: direct, with npm's undici never loaded, when no proxy
 * variable is set; through an HTTP proxy (CONNECT tunnel) when HTTP(S)_PROXY names one, from
 * an explicit env or process.env; NO_PROXY still goes direct.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { proxyAwareFetch } from '../src/default-fetch.js';
import { type ConnectProxy, startConnectProxy } from './support/connect-proxy.js';

const undici = vi.hoisted(() => ({ loads: 0 }));
vi.mock('undici', async (importOriginal) => {
  undici.loads++;
  return importOriginal();
});

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The origin server: answers every request with its path. */
const target = createServer((req, res) => res.end(`hello ${req.url}`));

let targetUrl = '';
let proxyUrl = '';
let proxy: ConnectProxy;
let tunnels: string[] = [];
beforeAll(async () => {
  targetUrl = await listen(target);
  proxy = await startConnectProxy();
  proxyUrl = proxy.url;
  tunnels = proxy.tunnels;
});
afterEach(() => {
  tunnels.length = 0;
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});
afterAll(async () => {
  target.closeAllConnections();
  await Promise.all([new Promise((resolve) => target.close(resolve)), proxy.close()]);
});

describe('without a proxy variable', () => {
  it('calls the global fetch as is and never loads undici', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    const fetch = proxyAwareFetch({ NO_PROXY: 'example.com', HTTPS_PROXY: '' });
    const res = await fetch(`${targetUrl}/direct`, { headers: { 'x-test': '1' } });
    expect(await res.text()).toBe('hello /direct');
    expect(tunnels).toEqual([]);
    // Exactly what it was given: no dispatcher, so Node's own global agent.
    expect(spy.mock.calls[0]![1]).toEqual({ headers: { 'x-test': '1' } });
    expect(undici.loads).toBe(0);
  });

  it('reads process.env when no env is given', async () => {
    for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) {
      vi.stubEnv(name, '');
    }
    const res = await proxyAwareFetch()(`${targetUrl}/env`);
    expect(await res.text()).toBe('hello /env');
    expect(tunnels).toEqual([]);
    expect(undici.loads).toBe(0);
  });
});

describe('with a proxy variable', () => {
  it('tunnels through HTTP_PROXY from an explicit env, loading undici once', async () => {
    const fetch = proxyAwareFetch({ HTTP_PROXY: proxyUrl });
    expect(await (await fetch(`${targetUrl}/one`)).text()).toBe('hello /one');
    expect(await (await fetch(`${targetUrl}/two`)).text()).toBe('hello /two');
    expect(tunnels[0]).toBe(targetUrl.replace('http://', ''));
    expect(undici.loads).toBe(1);
  });

  it('tunnels through HTTP_PROXY from process.env when no env is given', async () => {
    // The lowercase name wins when set at all (as in undici and curl), so it is removed.
    vi.stubEnv('http_proxy', undefined);
    vi.stubEnv('HTTP_PROXY', proxyUrl);
    vi.stubEnv('no_proxy', undefined);
    vi.stubEnv('NO_PROXY', undefined);
    const res = await proxyAwareFetch()(`${targetUrl}/from-env`);
    expect(await res.text()).toBe('hello /from-env');
    expect(tunnels).toEqual([targetUrl.replace('http://', '')]);
  });

  it('goes direct to a host NO_PROXY names', async () => {
    const fetch = proxyAwareFetch({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
    expect(await (await fetch(`${targetUrl}/bypass`)).text()).toBe('hello /bypass');
    expect(tunnels).toEqual([]);
  });
});
