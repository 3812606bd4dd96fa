/** The Idempotency-Key layer (IETF httpapi draft / Stripe semantics), per principal, 24 h. */
import { createHash } from 'node:crypto';
import { canonicalJson, IDEMPOTENCY_TTL_SECONDS } from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import { conflict, HttpError } from '../errors.js';

/**
 * sha256 of the body's canonical JSON (the client's, which derives its keys the same way), so
 * equal bodies fingerprint equally whatever their key order.
 */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export type IdempotencyOutcome =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; snapshot: SnapshotRecord };

/** Checks an Idempotency-Key: replay, 409 while in flight, 422 on another body, else new. */
export async function checkIdempotency(
  tx: StoreQueries,
  ctx: { now: () => Date },
  o: { principal: string; key: string; fingerprint: string },
): Promise<IdempotencyOutcome> {
  const rec = await tx.getIdempotency(o.principal, o.key);
  const cutoff = ctx.now().getTime() - IDEMPOTENCY_TTL_SECONDS * 1000;
  if (!rec || Date.parse(rec.created_at) < cutoff) return { kind: 'new' };
  if (rec.fingerprint !== o.fingerprint) {
    throw new HttpError(
      422,
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request body: use a new key for a different publish.',
    );
  }
  if (rec.state === 'in_flight') {
    throw conflict(
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still in progress: retry after it completes.',
    );
  }
  const snapshot = rec.snapshot_id ? await tx.getSnapshot(rec.snapshot_id) : undefined;
  if (!snapshot) return { kind: 'new' }; // deleted since: publish afresh
  return { kind: 'replay', status: rec.status_code ?? 200, snapshot };
}
