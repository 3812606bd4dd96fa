/**
 * The contract routes the server: every entry of api-client's `contract` is mounted (the
 * server's record of mounted entries is exactly the contract's keys), and a request with the
 * entry's method and path — ids filled in, without and with a credential — gets a status the
 * entry declares from a real route, never the unknown-route 404. So a path or method changed
 * in contract.ts alone fails here (and the harness's response check fails any undeclared
 * status or body elsewhere in the suite).
 */
import { contract, type Endpoint } from '@snapshotplot/api-client/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness();
  admin = await h.tokenFor(h.projectId, 'admin');
});
afterAll(() => h.close());

/** The entry's path with well-formed values: the harness project, a snapshot id, a kind. */
function pathOf(e: Endpoint): string {
  return e.path
    .replace(/^\/api\/projects\/:id/, `/api/projects/${h.projectId}`)
    .replace(/:kind/g, 'plot')
    .replace(/:[a-z_]+/g, 'snap_contract_routes');
}

/** A body the entry's media type expects (its content may well be refused: that is a 4xx). */
function bodyOf(e: Endpoint): { body?: BodyInit; headers: Record<string, string> } {
  if (e.bodyContentTypes?.includes('multipart/form-data')) {
    const form = new FormData();
    form.set('metadata', JSON.stringify({}));
    return { body: form, headers: {} };
  }
  if (e.bodyContentTypes) return { body: 'x', headers: { 'content-type': 'image/png' } };
  if (e.body) return { body: '{}', headers: { 'content-type': 'application/json' } };
  return { headers: {} };
}

async function call(e: Endpoint, token: string | null) {
  const { body, headers } = bodyOf(e);
  if (token) headers.authorization = `Bearer ${token}`;
  const abort = new AbortController();
  const res = await fetch(`${h.url}${pathOf(e)}`, {
    method: e.method,
    headers,
    body,
    signal: abort.signal,
  });
  // The event stream never ends: its status and media type are all this test needs.
  const text = e.responseContentType === 'text/event-stream' && res.ok ? '' : await res.text();
  abort.abort();
  return { status: res.status, text };
}

const entries = Object.entries(contract) as Array<[string, Endpoint]>;

describe('the contract routes the server', () => {
  it('mounts every entry of the contract, and nothing else', () => {
    const names = h.server.routes.map(
      (mounted) =>
        entries.find(([, e]) => e === mounted)?.[0] ?? `(not in contract) ${mounted.path}`,
    );
    expect(names.sort()).toEqual(Object.keys(contract).sort());
  });

  for (const [name, entry] of entries) {
    for (const auth of ['without', 'with'] as const) {
      it(`${name}: ${entry.method} ${entry.path} ${auth} a credential answers a declared status`, async () => {
        const { status, text } = await call(entry, auth === 'with' ? admin : null);
        expect(Object.keys(entry.responses).map(Number)).toContain(status);
        // A real route answered: not the generic unknown-route 404 (or 405) of notFoundHandler.
        expect(text).not.toMatch(
          /"code":"(not_found|method_not_allowed)","message":"(No route for|\w+ is not allowed on)/,
        );
        expect(status).toBeLessThan(500);
      });
    }
  }
});
