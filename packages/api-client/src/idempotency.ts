/**
 * Idempotency keys derived from what is being published, so that a re-run after a crash (a
 * new process) sends the same key and the server replays the snapshot instead of making a
 * second one, while a changed file gives a new key.
 */
import { createHash } from 'node:crypto';
import { invalidMetadata } from './errors.js';
import { type Checksums, type PublishRequest, PublishRequestSchema } from './schemas.js';

/** The publish metadata a caller supplies; artifacts and checksums come from the files. */
export type PublishMetadata = Omit<PublishRequest, 'artifacts' | 'checksums'>;

/** The JSON publish body for these metadata and file hashes, validated and normalized. */
export function publishBody(metadata: PublishMetadata, checksums: Checksums): PublishRequest {
  const parsed = PublishRequestSchema.safeParse({
    ...metadata,
    artifacts: { plot: checksums.plot !== undefined, code: checksums.code !== undefined },
    checksums,
  });
  if (!parsed.success) throw invalidMetadata(parsed.error.issues);
  return parsed.data;
}

/**
 * Deterministic key from project, collection, title, commit and file hashes.
 *
 * The key covers the rest of the metadata too (normalized: defaults applied, keys sorted):
 * the server answers 422 to a reused key with a different body, so a key must never be
 * shared by two different bodies (a CI re-run with a new run_attempt gets its own key and is
 * matched by the server's natural key instead).
 */
export function idempotencyKeyFor(metadata: PublishMetadata, checksums: Checksums): string {
  return keyFor('spk1', publishBody(metadata, checksums));
}

/** `prefix_` + sha256 of the canonical JSON of `body`: 1-255 visible ASCII characters. */
export function keyFor(prefix: string, body: unknown): string {
  return `${prefix}_${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

/** JSON with object keys sorted and undefined/null members dropped, for stable hashing. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
