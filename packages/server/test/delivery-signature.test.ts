/**
 * Delivery URLs carry one HMAC per snapshot (shared by its plot and code URLs), and the
 * per-kind signatures handed out before still open their file until they expire.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkDelivery, signDelivery } from '../src/auth/upload-tokens.js';
import { deliveryUrl, type ViewDeps } from '../src/snapshots/view.js';

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

  it("signed URLs reuse a snapshot's signature within a step, per secret, and re-sign in the next", () => {
    let nowMs = now * 1000;
    const view = (key: Buffer): ViewDeps => ({
      now: () => new Date(nowMs),
      signer: {
        secret: key,
        publicUrl: () => 'http://x',
        uploadUrlTtl: 600,
        deliveryUrlTtl: 3600,
      },
    });
    const other = randomBytes(32);
    const parts = (url: string) => {
      const q = new URL(url).searchParams;
      return { expires: Number(q.get('expires')), sig: q.get('sig')! };
    };
    const valid = (key: Buffer, url: string, id = 'snap_a') => {
      const { expires, sig } = parts(url);
      return checkDelivery(key, {
        snapshotId: id,
        kind: 'plot',
        expires: String(expires),
        sig,
        nowSeconds: Math.floor(nowMs / 1000),
      });
    };
    const first = deliveryUrl(view(secret), 'snap_a', 'plot');
    expect(valid(secret, first)).toBe('ok');
    expect(deliveryUrl(view(secret), 'snap_a', 'plot')).toBe(first);
    // Another secret never gets this secret's signature back, nor another snapshot's.
    const theirs = deliveryUrl(view(other), 'snap_a', 'plot');
    expect(parts(theirs).sig).not.toBe(parts(first).sig);
    expect(valid(other, theirs)).toBe('ok');
    expect(valid(secret, deliveryUrl(view(secret), 'snap_b', 'plot'), 'snap_b')).toBe('ok');
    // A step (360 s for a one-hour TTL) later: a new expiry, signed for that expiry.
    nowMs += 360_000;
    const next = deliveryUrl(view(secret), 'snap_a', 'plot');
    expect(parts(next).expires).toBe(parts(first).expires + 360);
    expect(valid(secret, next)).toBe('ok');
  });
});
