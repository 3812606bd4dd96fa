/**
 * Verified service tokens, remembered for a short time (issue 16: one token lookup per
 * request was a statement of every publish and finalize, four on PostgreSQL). Only tokens
 * that verified are kept, keyed by the sha256 of the token (never the token itself), at most
 * `max` of them, each for `ttlMs`:
 * - a revocation through any Store of this process (the API, the tests, an in-process admin
 *   call) empties the cache at once (store-access.ts counts them);
 * - a revocation by another process (`snapshotplot-server token revoke`, another replica)
 *   is seen once the entry is `ttlMs` old: that is the documented revocation latency;
 * - expiry is checked against the entry's `expires_at` on every hit, so an expired token
 *   stops at its expiry, cached or not.
 */

import type { Role } from '../data/store.js';
import { tokenRevocations } from '../data/store-access.js';

/** How long a verified token is trusted without asking the database again. */
export const TOKEN_CACHE_TTL_MS = 2000;
/** How many verified tokens are remembered (oldest out). */
export const TOKEN_CACHE_MAX = 1000;

export interface VerifiedToken {
  id: string;
  projectId: string;
  role: Role;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

interface Entry {
  token: VerifiedToken;
  /** When it was read from the database (the caller's clock, ms). */
  at: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private revocations = tokenRevocations();

  constructor(
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly max = TOKEN_CACHE_MAX,
  ) {}

  /** The token verified under this hash less than ttlMs ago and not expired at `now`. */
  get(hash: string, now: number): VerifiedToken | undefined {
    this.forgetOnRevocation();
    const e = this.entries.get(hash);
    if (!e) return undefined;
    const expired = e.token.expiresAt !== null && Date.parse(e.token.expiresAt) <= now;
    // A clock that went back counts as stale too: read the row again.
    if (expired || now - e.at >= this.ttlMs || now < e.at) {
      this.entries.delete(hash);
      return undefined;
    }
    return e.token;
  }

  /**
   * Remembers a token that verified at `now`. `revocationsBefore` is tokenRevocations() from
   * before the row was read: when a revocation happened meanwhile the row may be stale, and
   * it is not kept.
   */
  set(hash: string, token: VerifiedToken, now: number, revocationsBefore: number): void {
    this.forgetOnRevocation();
    if (revocationsBefore !== this.revocations) return;
    this.entries.delete(hash);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { token, at: now });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Any revocation in this process since the last look empties the cache. */
  private forgetOnRevocation(): void {
    const seen = tokenRevocations();
    if (seen === this.revocations) return;
    this.revocations = seen;
    this.entries.clear();
  }
}
