/**
 * The default fetch: Node's global fetch through an undici EnvHttpProxyAgent, so HTTPS_PROXY,
 * HTTP_PROXY and NO_PROXY are honoured as in curl. The agent is created on the first request,
 * never at import time, and the global fetch is looked up per call so that HTTP mocks that
 * patch it (msw) still see the requests.
 */
import { EnvHttpProxyAgent } from 'undici';

export type Env = Record<string, string | undefined>;

/** A fetch that sends through a proxy agent configured from `env` (default process.env). */
export function proxyAwareFetch(env?: Env): typeof globalThis.fetch {
  let agent: EnvHttpProxyAgent | undefined;
  return (input, init) => {
    agent ??= new EnvHttpProxyAgent(env ? proxyOptions(env) : {});
    // undici 7's Dispatcher type differs from the undici-types of Node's bundled fetch; the
    // runtime interface is compatible (verified by the proxy test).
    return globalThis.fetch(input, { ...init, dispatcher: agent } as unknown as RequestInit);
  };
}

/** Explicit options from `env`; empty strings stop undici falling back to process.env. */
function proxyOptions(env: Env) {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}
