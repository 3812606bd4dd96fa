/**
 * Signed values: `<base64url json>.<base64url hmac>` over a purpose, so a value signed for
 * one use (a session cookie) is never valid for another (a login link).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (secret: Buffer, purpose: string, data: string) =>
  createHmac('sha256', secret).update(`${purpose}.${data}`).digest();

/** `<base64url json>.<base64url hmac>` over a purpose, so a cookie is never a valid link. */
export function signValue(secret: Buffer, purpose: string, value: object): string {
  const data = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${data}.${mac(secret, purpose, data).toString('base64url')}`;
}

/** The JSON value when the signature is valid, else null. */
export function readSigned<T>(secret: Buffer, purpose: string, text: string): T | null {
  const [data, sig, extra] = text.split('.');
  if (!data || !sig || extra !== undefined || data.length > 2000) return null;
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, purpose, data);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}
