/**
 * Where artifact bytes live. Narrow on purpose: an S3-compatible implementation can follow
 * (put = multipart upload with a checksum, get = GetObject with Range, stat = HeadObject).
 */
import type { Readable } from 'node:stream';

export interface PutOptions {
  /** Refuse (StorageLimitError) and keep nothing once more bytes than this arrive. */
  maxBytes: number;
  /** Refuse (StorageChecksumError) and keep nothing when the bytes hash differently. */
  expectedSha256?: string;
}

export interface PutResult {
  size: number;
  sha256: string;
}

/** Bytes received and checked but not yet named (Storage.stage). */
export interface StagedBytes extends PutResult {
  /**
   * Call holding `key`'s object lock (storage/objects.ts): names the bytes `key`, or drops them
   * when `key` exists already (its name is their hash, so the bytes are the same).
   */
  settle(key: string): Promise<void>;
  /** Drops the bytes unless settled; never throws. */
  discard(): Promise<void>;
}

export interface Storage {
  /** Stores the stream under `key` atomically: the object is complete or absent, never partial. */
  put(key: string, body: Readable, o: PutOptions): Promise<PutResult>;
  /**
   * Optional: receives the stream without naming it, for content-addressed objects whose key
   * is known only from the hash (`keyOf`). Local disk keeps a temp file and skips its fsync and
   * renames when `keyOf(sha256)` already exists. Without it, objects.ts stages through put.
   */
  stage?(body: Readable, o: PutOptions, keyOf: (sha256: string) => string): Promise<StagedBytes>;
  /** A stream of the object (or of the inclusive byte range) and its full size; null if absent. */
  get(
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ stream: Readable; size: number } | null>;
  stat(key: string): Promise<{ size: number } | null>;
  /**
   * Moves the object at `from` to `to` (replacing what is there), then `from` is gone. Local
   * disk renames; S3 copies server-side and deletes the source.
   */
  move(from: string, to: string): Promise<void>;
  /** Removes the object; absent is fine. */
  delete(key: string): Promise<void>;
  /** Throws when the storage cannot be written (for /healthz). */
  check(): Promise<void>;
}

/** Storage keys: `/`-separated segments of [A-Za-z0-9_-] and dot extensions, so never `..` or absolute. */
const STORAGE_KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*(\.[A-Za-z0-9]+)*$/;

/** Whether `key` has the shape of a storage key (no path can leave the storage root). */
export function isStorageKey(key: unknown): key is string {
  return typeof key === 'string' && STORAGE_KEY.test(key) && !key.includes('..');
}

/**
 * The per-snapshot key of an artifact: `plots/{project}/{snapshot}/plot.{ext}` or
 * `code/…/code.{ext}`. Since 0009 an upload to a storage without `stage` (S3) lands here first
 * and is then moved to its content key (storage/objects.ts); rows written before 0009 still
 * point here.
 */
export function artifactKey(
  kind: 'plot' | 'code',
  projectId: string,
  snapshotId: string,
  ext: string,
) {
  return `${kind === 'plot' ? 'plots' : 'code'}/${projectId}/${snapshotId}/${kind}.${ext}`;
}
