/** Service tokens: `spt_` + 40 base62 characters, stored only as a sha256 hash. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role, Store } from '../data/store.js';
import { newId, randomBase62 } from '../ids.js';

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
  | { ok: true; id: string; projectId: string; role: Role; lastUsedAt: string | null }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/** Finds the token by its public prefix, then compares hashes in constant time. */
export async function verifyServiceToken(
  store: Store,
  token: string,
  now: Date,
): Promise<TokenCheck> {
  if (!TOKEN.test(token)) return { ok: false, reason: 'unknown' };
  const presented = Buffer.from(hashToken(token), 'hex');
  const candidates = await store.tokensByPrefix(token.slice(0, PREFIX_LENGTH));
  const row = candidates.find((c) => timingSafeEqual(Buffer.from(c.token_hash, 'hex'), presented));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) {
    return { ok: false, reason: 'expired' };
  }
  return {
    ok: true,
    id: row.id,
    projectId: row.project_id,
    role: row.role,
    lastUsedAt: row.last_used_at,
  };
}
