/**
 * A least-recently-used map bounded by the size of its values, not their count: a few large
 * files must not pin hundreds of MiB, and many small ones should all fit.
 */

/** Approximate heap cost of a string (V8 stores non-Latin-1 strings as UTF-16). */
export const stringBytes = (s: string) => s.length * 2;

export interface ByteLru<V> {
  get(key: string): V | undefined;
  set(key: string, value: V, bytes: number): void;
  /** Bytes held now. */
  size(): number;
}

/** An LRU holding at most `maxBytes`; a single value larger than that is not kept. */
export function createByteLru<V>(maxBytes: number): ByteLru<V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the oldest first.
  const entries = new Map<string, { value: V; bytes: number }>();
  let total = 0;
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e.value;
    },
    set(key, value, bytes) {
      const old = entries.get(key);
      if (old) {
        entries.delete(key);
        total -= old.bytes;
      }
      if (bytes > maxBytes) return;
      entries.set(key, { value, bytes });
      total += bytes;
      for (const [k, e] of entries) {
        if (total <= maxBytes) break;
        entries.delete(k);
        total -= e.bytes;
      }
    },
    size: () => total,
  };
}
