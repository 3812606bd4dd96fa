/** Service tokens: `spt_` + 40 base62 characters, stored only as a sha256 hash. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role, Store } from '../data/store.js';
import { tokenRevocations } from '../data/store-access.js';
import { newId, randomBase62 } from '../ids.js';
import { TokenCache } from './token-cache.js';

const TOKEN = /^spt_[0-9A-Za-z]{40}$/;
const PREFIX_LENGTH = 12;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Whether a bearer value looks like a service token (vs a JWT). */
export const isServiceToken = (value: string) => value.startsWith('spt_');

/** Creates a token and returns the only copy of its secret. */
export async function createServiceToken(
  store: Store,
  o: { projectId: string; role: Role; name?: string | null; expiresAt?: string | null; now: Date },
) {
  const token = `spt_${randomBase62(40)}`;
  const row = {
    id: newId('tok', o.now.getTime()),
    project_id: o.projectId,
    name: o.name ?? null,
    role: o.role,
    token_hash: hashToken(token),
    prefix: token.slice(0, PREFIX_LENGTH),
    created_at: o.now.toISOString(),
    expires_at: o.expiresAt ?? null,
    revoked_at: null,
    last_used_at: null,
  };
  await store.insertToken(row);
  return { token, row };
}

export type TokenCheck =
  | {
      ok: true;
      id: string;
      projectId: string;
      role: Role;
      /** last_used_at is over a minute old: the caller records this use (touchToken). */
      touch: boolean;
    }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/** One cache per Store (per data dir), so a token is only ever trusted where it verified. */
const caches = new WeakMap<Store, TokenCache>();

function cacheOf(store: Store): TokenCache {
  const found = caches.get(store);
  if (found) return found;
  const cache = new TokenCache();
  caches.set(store, cache);
  return cache;
}

/** last_used_at is kept to the minute: a write per request would contend with publishes. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Checks a presented service token: from the verified-token cache (token-cache.ts: at most
 * TOKEN_CACHE_TTL_MS old, forgotten on any revocation in this process), else by its public
 * prefix and a constant-time hash comparison. `fresh` skips the cache (a long-lived stream
 * re-checking its credential).
 */
export async function verifyServiceToken(
  store: Store,
  token: string,
  now: Date,
  o: { fresh?: boolean } = {},
): Promise<TokenCheck> {
  if (!TOKEN.test(token)) return { ok: false, reason: 'unknown' };
  const hash = hashToken(token);
  const cache = cacheOf(store);
  const at = now.getTime();
  let verified = o.fresh ? undefined : cache.get(hash, at);
  if (!verified) {
    const before = tokenRevocations();
    const presented = Buffer.from(hash, 'hex');
    const candidates = await store.tokensByPrefix(token.slice(0, PREFIX_LENGTH));
    const row = candidates.find((c) =>
      timingSafeEqual(Buffer.from(c.token_hash, 'hex'), presented),
    );
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    if (row.expires_at && Date.parse(row.expires_at) <= at) {
      return { ok: false, reason: 'expired' };
    }
    verified = {
      id: row.id,
      projectId: row.project_id,
      role: row.role,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
    };
    cache.set(hash, verified, at, before);
  }
  const touch = !verified.lastUsedAt || at - Date.parse(verified.lastUsedAt) > TOUCH_INTERVAL_MS;
  // The cached entry records this use too, so the next requests within the minute do not write.
  if (touch) verified.lastUsedAt = now.toISOString();
  return { ok: true, id: verified.id, projectId: verified.projectId, role: verified.role, touch };
}
