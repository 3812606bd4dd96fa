/**
 * Upload tokens: `base64url(payload).base64url(HMAC-SHA256(secret, payload))`, where the
 * payload binds the snapshot, the kind, the expiry, a random nonce and (when the publish
 * carried one) the artifact's sha256. Single use is enforced by the consumed-nonce table.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ARTIFACT_KINDS } from '@snapshotplot/api-client/contract';

export interface UploadTokenPayload {
  /** snapshot id */
  s: string;
  /** kind */
  k: 'plot' | 'code';
  /** expiry, unix seconds */
  e: number;
  /** nonce */
  n: string;
  /** bound sha256, when known */
  h?: string;
}

const sign = (secret: Buffer, data: string) =>
  createHmac('sha256', secret).update(`upload.${data}`).digest();

/** A fresh token for one upload of one artifact. */
export function createUploadToken(
  secret: Buffer,
  o: { snapshotId: string; kind: 'plot' | 'code'; expiresAt: number; sha256?: string | null },
): string {
  const payload: UploadTokenPayload = {
    s: o.snapshotId,
    k: o.kind,
    e: o.expiresAt,
    n: randomBytes(16).toString('base64url'),
    ...(o.sha256 ? { h: o.sha256 } : {}),
  };
  const data = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${data}.${sign(secret, data).toString('base64url')}`;
}

/** The payload when the signature is valid, else null (tampered, truncated or foreign). */
export function readUploadToken(secret: Buffer, token: string): UploadTokenPayload | null {
  const [data, mac, extra] = token.split('.');
  if (!data || !mac || extra !== undefined || data.length > 1000) return null;
  const given = Buffer.from(mac, 'base64url');
  const expected = sign(secret, data);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const p = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as UploadTokenPayload;
    if (typeof p.s !== 'string' || typeof p.e !== 'number' || typeof p.n !== 'string') return null;
    return p;
  } catch {
    return null;
  }
}

/**
 * Signature for a snapshot's delivery URLs: `?expires=<unix>&sig=<b64url>` over the snapshot
 * and expiry, one HMAC per snapshot (its plot and code URLs carry the same one: they are the
 * same reader's capability for the same snapshot until the same expiry).
 */
export function signDelivery(secret: Buffer, snapshotId: string, expires: number) {
  return createHmac('sha256', secret)
    .update(`delivery.${snapshotId}.${expires}`)
    .digest('base64url');
}

/**
 * A signature bound to one kind: difference images (`diff.{baseId}`), and the per-kind
 * signatures plot and code URLs carried before they shared one (still accepted until they expire).
 */
export function signDeliveryOfKind(
  secret: Buffer,
  snapshotId: string,
  kind: string,
  expires: number,
) {
  return createHmac('sha256', secret)
    .update(`delivery.${snapshotId}.${kind}.${expires}`)
    .digest('base64url');
}

const sameSig = (given: Buffer, expected: string) => {
  const e = Buffer.from(expected);
  return given.length === e.length && timingSafeEqual(given, e);
};

/** Whether a delivery signature is valid and unexpired. */
export function checkDelivery(
  secret: Buffer,
  o: { snapshotId: string; kind: string; expires: string; sig: string; nowSeconds: number },
): 'ok' | 'expired' | 'invalid' {
  const expires = Number(o.expires);
  if (!Number.isInteger(expires)) return 'invalid';
  const given = Buffer.from(o.sig);
  const valid =
    // The shared signature opens the snapshot's own files only, never a `diff.{baseId}`.
    ((ARTIFACT_KINDS as readonly string[]).includes(o.kind) &&
      sameSig(given, signDelivery(secret, o.snapshotId, expires))) ||
    sameSig(given, signDeliveryOfKind(secret, o.snapshotId, o.kind, expires));
  if (!valid) return 'invalid';
  // Valid strictly before `expires`: a URL never lives longer than the TTL it was signed for.
  return expires <= o.nowSeconds ? 'expired' : 'ok';
}
