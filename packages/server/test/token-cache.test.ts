/**
 * The verified-token cache (src/auth/token-cache.ts): one token lookup per TOKEN_CACHE_TTL_MS
 * instead of one per request, and a revoked or expired token still stops within the bound:
 * at once when revoked in this process, within the TTL when revoked by the admin command (a
 * process that cannot signal this one), at its expiry whatever the cache holds.
 */
import { runServerCli } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken, verifyServiceToken } from '../src/auth/service-tokens.js';
import { TOKEN_CACHE_TTL_MS, TokenCache, type VerifiedToken } from '../src/auth/token-cache.js';
import { tokenRevocations } from '../src/data/store-access.js';
import { type Harness, startHarness } from './helpers.js';

let clock = Date.parse('2026-06-01T12:00:00.000Z');
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock) });
});
afterAll(() => h?.close());

const entry = (id: string, expiresAt: string | null = null): VerifiedToken => ({
  id,
  projectId: 'proj_a',
  role: 'publisher',
  expiresAt,
  lastUsedAt: null,
});

describe('TokenCache', () => {
  it('keeps an entry for the TTL only, and not at all past its expiry', () => {
    const c = new TokenCache(1000, 10);
    c.set('h1', entry('tok_1'), 5000, tokenRevocations());
    expect(c.get('h1', 5999)?.id).toBe('tok_1');
    expect(c.get('h1', 6000)).toBeUndefined();
    c.set('h2', entry('tok_2', new Date(5500).toISOString()), 5000, tokenRevocations());
    expect(c.get('h2', 5499)?.id).toBe('tok_2');
    expect(c.get('h2', 5500)).toBeUndefined();
    // A clock that went back is not trusted.
    c.set('h3', entry('tok_3'), 5000, tokenRevocations());
    expect(c.get('h3', 4000)).toBeUndefined();
  });

  it('is bounded, oldest out', () => {
    const c = new TokenCache(60_000, 3);
    for (let i = 0; i < 5; i++) c.set(`h${i}`, entry(`tok_${i}`), 1000, tokenRevocations());
    expect(c.size).toBe(3);
    expect(c.get('h0', 1001)).toBeUndefined();
    expect(c.get('h1', 1001)).toBeUndefined();
    expect(c.get('h4', 1001)?.id).toBe('tok_4');
  });

  it('forgets everything on a revocation in this process, and keeps nothing read before one', async () => {
    const c = new TokenCache(60_000, 10);
    c.set('h1', entry('tok_1'), 1000, tokenRevocations());
    const before = tokenRevocations();
    const { row } = await createServiceToken(h.server.context.store, {
      projectId: h.projectId,
      role: 'reader',
      now: new Date(clock),
    });
    expect(await h.server.context.store.revokeToken(row.id, new Date(clock).toISOString())).toBe(
      true,
    );
    expect(c.get('h1', 1001)).toBeUndefined();
    // A row read before that revocation may be stale: not kept.
    c.set('h2', entry('tok_2'), 1000, before);
    expect(c.get('h2', 1001)).toBeUndefined();
  });
});

describe('service tokens through the cache', () => {
  const list = (token: string) => h.api('GET', `/api/projects/${h.projectId}/snapshots`, { token });

  async function freshToken(expiresAt?: string) {
    const { token, row } = await createServiceToken(h.server.context.store, {
      projectId: h.projectId,
      role: 'publisher',
      expiresAt: expiresAt ?? null,
      now: new Date(clock),
    });
    return { token, id: row.id };
  }

  it('answers from the cache within the TTL: the row is not read again', async () => {
    const { token } = await freshToken();
    const store = h.server.context.store;
    let lookups = 0;
    const counting = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'tokensByPrefix') {
          return (prefix: string) => {
            lookups++;
            return target.tokensByPrefix(prefix);
          };
        }
        return Reflect.get(target, name, receiver);
      },
    });
    // A Proxy is its own cache key: this store's first check reads, the next ones do not.
    const now = new Date(clock);
    expect((await verifyServiceToken(counting, token, now)).ok).toBe(true);
    expect((await verifyServiceToken(counting, token, now)).ok).toBe(true);
    expect(lookups).toBe(1);
    const later = new Date(clock + TOKEN_CACHE_TTL_MS);
    expect((await verifyServiceToken(counting, token, later)).ok).toBe(true);
    expect(lookups).toBe(2);
    // A wrong token of the same prefix is never answered from the cache.
    const forged = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    expect(await verifyServiceToken(counting, forged, later)).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });

  it('a token revoked in this process stops at once, even while cached', async () => {
    const { token, id } = await freshToken();
    expect((await list(token)).status).toBe(200);
    expect((await list(token)).status).toBe(200); // cached now
    await h.server.context.store.revokeToken(id, new Date(clock).toISOString());
    const res = await list(token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
  });

  it('a token revoked by the admin command (another process) stops within the TTL', async () => {
    const { token, id } = await freshToken();
    expect((await list(token)).status).toBe(200);
    const out = await runServerCli(['token', 'revoke', id, '--data-dir', h.dataDir, '--json']);
    expect(JSON.parse(out)).toEqual({ id, revoked: true });
    // The bound is the TTL: before it the cached verification may still answer...
    clock += TOKEN_CACHE_TTL_MS - 1;
    expect((await list(token)).status).toBe(200);
    // ...from it on the row is read again and the revocation seen.
    clock += 1;
    const res = await list(token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
  });

  it('an expiring token stops at its expiry even while cached', async () => {
    const { token } = await freshToken(new Date(clock + 500).toISOString());
    expect((await list(token)).status).toBe(200);
    clock += 499;
    expect((await list(token)).status).toBe(200);
    clock += 1;
    const res = await list(token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('token_expired');
  });
});
