/**
 * Delivery URLs carry one HMAC per snapshot (shared by its plot and code URLs), and the
 * per-kind signatures handed out before still open their file until they expire.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkDelivery, signDelivery } from '../src/auth/upload-tokens.js';

const secret = randomBytes(32);
const now = 1_800_000_000;
const check = (o: { snapshotId?: string; kind?: string; expires?: number; sig: string }) =>
  checkDelivery(secret, {
    snapshotId: o.snapshotId ?? 'snap_a',
    kind: o.kind ?? 'plot',
    expires: String(o.expires ?? now + 60),
    sig: o.sig,
    nowSeconds: now,
  });

describe('delivery signatures', () => {
  it('one signature opens both files of its snapshot, not another snapshot or expiry', () => {
    const sig = signDelivery(secret, 'snap_a', now + 60);
    expect(check({ sig })).toBe('ok');
    expect(check({ sig, kind: 'code' })).toBe('ok');
    expect(check({ sig, snapshotId: 'snap_b' })).toBe('invalid');
    expect(check({ sig, expires: now + 61 })).toBe('invalid');
    expect(
      checkDelivery(randomBytes(32), {
        snapshotId: 'snap_a',
        kind: 'plot',
        expires: String(now + 60),
        sig,
        nowSeconds: now,
      }),
    ).toBe('invalid');
    const past = signDelivery(secret, 'snap_a', now);
    expect(check({ sig: past, expires: now })).toBe('expired');
  });

  it('a per-kind signature from before still opens its own kind only', () => {
    const legacy = createHmac('sha256', secret)
      .update(`delivery.snap_a.plot.${now + 60}`)
      .digest('base64url');
    expect(check({ sig: legacy })).toBe('ok');
    expect(check({ sig: legacy, kind: 'code' })).toBe('invalid');
  });
});
