/** Prefixed, time-sortable, opaque ids (`snap_…`) and random secrets. */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` random base62 characters (rejection sampling keeps the distribution uniform). */
export function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const byte of randomBytes(n * 2)) {
      if (byte < 248 && out.length < n) out += BASE62[byte % 62];
    }
  }
  return out;
}

let lastMs = 0;
let counter = 0;

/**
 * `prefix_` + 9 base36 chars of milliseconds + a 4-char in-process counter + 10 random chars:
 * ids created later sort after earlier ones (lexicographically), which list cursors rely on.
 */
export function newId(
  prefix: 'proj' | 'col' | 'snap' | 'tok' | 'wh' | 'trust' | 'rev',
  now = Date.now(),
): string {
  if (now <= lastMs) {
    counter++;
  } else {
    lastMs = now;
    counter = 0;
  }
  const time = lastMs.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  return `${prefix}_${time}${seq}${randomBase62(10).toLowerCase()}`;
}
