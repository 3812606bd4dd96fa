/**
 * The default fetch: Node's global fetch, through an undici EnvHttpProxyAgent when a proxy is
 * configured, so HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured as in curl. npm's undici is
 * loaded only then (on the first request, never at import time): without a proxy variable it
 * would cost every CLI run ~25 ms of loading for nothing. The global fetch is looked up per
 * call so that HTTP mocks that patch it (msw) still see the requests.
 */
import type { Dispatcher } from 'undici';

export type Env = Record<string, string | undefined>;

/** A fetch that sends through a proxy agent configured from `env` (default process.env). */
export function proxyAwareFetch(env?: Env): typeof globalThis.fetch {
  let agent: Promise<Dispatcher | undefined> | undefined;
  return async (input, init) => {
    agent ??= proxyAgent(env);
    const dispatcher = await agent;
    if (!dispatcher) return globalThis.fetch(input, init);
    // undici 7's Dispatcher type differs from the undici-types of Node's bundled fetch; the
    // runtime interface is compatible (verified by the proxy test).
    return globalThis.fetch(input, { ...init, dispatcher } as unknown as RequestInit);
  };
}

/** The agent when `env` (or process.env) names a proxy; undefined: plain global fetch. */
async function proxyAgent(env: Env | undefined): Promise<Dispatcher | undefined> {
  const options = proxyOptions(env ?? process.env);
  if (!options.httpProxy && !options.httpsProxy) return undefined;
  // "eager": the action's ncc (webpack) bundle keeps undici in its one file, evaluated only
  // here, rather than splitting it into a chunk whose licenses ncc would leave out of
  // licenses.txt. esbuild (the CLI) ignores the comment and splits it off as it should.
  const undici = await import(/* webpackMode: "eager" */ 'undici');
  // undici is CommonJS: Node names its exports, but esbuild's split chunk has only `default`.
  const { EnvHttpProxyAgent } = undici.EnvHttpProxyAgent
    ? undici
    : (undici as unknown as { default: typeof undici }).default;
  // Without an explicit env, undici reads process.env itself (NO_PROXY too, as it changes).
  return new EnvHttpProxyAgent(env ? options : {});
}

/** Explicit options from `env`; empty strings stop undici falling back to process.env. */
function proxyOptions(env: Env) {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}
