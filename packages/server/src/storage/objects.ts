/**
 * Content addressing (issue 13): artifacts of a project with the same sha256 share one stored
 * object at `objects/{project}/{sha256[0:2]}/{sha256}`. The artifacts row keeps its own
 * content_type and size and names the object in storage_key; the rows naming a key are its
 * references (counted through the 0009 index, no counter to drift). Rows from before 0009
 * name per-snapshot keys; the same rules serve them (one reference each).
 *
 * The one rule that keeps a row from ever pointing at nothing: whoever creates a reference or
 * drops one does it holding the object's lock (`store.lock`: in-process on SQLite, the
 * primary's under `serve --workers`, a session advisory lock on PostgreSQL, so every replica
 * sees it), and before releasing the lock deletes the object when no row names it any more. A deletion commits its rows first,
 * then takes the lock to count; an upload takes the lock, checks the object is (still) there,
 * commits its row, then counts. Either order leaves the object exactly when a row names it.
 * On SQLite another process (`retention run` beside `serve`) does not see the in-process
 * lock, so the check-then-insert and the count-then-delete are each also one write
 * transaction (`lockObjectRefs` first), which SQLite serialises across processes.
 * No byte streams while a lock is held: the body is read before, so locks last milliseconds.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Store } from '../data/store.js';
import { HttpError, StorageChecksumError, StorageLimitError } from '../errors.js';
import type { PutOptions, PutResult, StagedBytes, Storage } from './storage.js';

/** What the object rules need: the store's references and locks, and the storage. */
export interface ObjectDeps {
  store: Pick<Store, 'lock' | 'transaction'>;
  storage: Storage;
}

/** The content-addressed key of the bytes hashing to `sha256` in a project. */
export function objectKey(projectId: string, sha256: string): string {
  return `objects/${projectId}/${sha256.slice(0, 2)}/${sha256}`;
}

/**
 * The key of a plot object's thumbnail (thumbnails/thumbnailer.ts): `thumbs/{project}/{sha256}.webp`
 * for a content-addressed object, `thumbs/{key}.webp` for a pre-0009 per-snapshot key. It is
 * deleted with its object (withObjects), so it never outlives the last row naming the bytes.
 */
export function thumbnailKey(storageKey: string): string {
  const m = /^objects\/([^/]+)\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(storageKey);
  return m ? `thumbs/${m[1]}/${m[2]}.webp` : `thumbs/${storageKey}.webp`;
}

/** A lock is held only around a few storage and database calls; this is far past that. */
const LOCK_WAIT_MS = 30_000;

/** The answer when an object's lock was not had within LOCK_WAIT_MS (503, retry in 1 s). */
const lockedTooLong = (key: string) =>
  new HttpError(
    503,
    'storage_unavailable',
    `Stored object ${key} stayed locked for ${LOCK_WAIT_MS / 1000} s: try again.`,
    undefined,
    { 'retry-after': '1' },
  );

/**
 * Waits for an object's lock, in arrival order (store.lock). Many uploads of the same bytes at
 * once (a batch of unchanged plots) queue for it; a polling race let an unlucky one lose for
 * seconds while the lock was free most of the time (bench publish-rate: p99 2.2 s), and
 * under `serve --workers` starved every worker but the holder's (bench/README.md).
 */
async function lockObject(store: ObjectDeps['store'], key: string) {
  const unlock = await store.lock(`object:${key}`, LOCK_WAIT_MS);
  if (!unlock) throw lockedTooLong(key);
  return unlock;
}

/**
 * Runs `fn` holding the locks of `keys` (sorted, so two callers never wait on each other in
 * a circle); then, still holding them, deletes every one of those objects no row names, on
 * success and failure alike. Returns what `fn` returned.
 *
 * `named(result)` true says `fn` committed rows naming every key: no object can be unnamed,
 * so that success skips the count (a transaction of 4 statements per key, issue 16).
 */
export async function withObjects<T>(
  deps: ObjectDeps,
  keys: string[],
  fn: () => Promise<T>,
  named?: (result: T) => boolean,
): Promise<T> {
  const held: Array<{ key: string; unlock: () => Promise<void> }> = [];
  const settle = async (count = true): Promise<unknown> => {
    let cleanup: unknown;
    for (const { key } of count ? held : []) {
      // Count and delete as one step for every process (lockObjectRefs). A count that fails
      // deletes nothing and is not reported: unreferenced bytes may stay, never a row without
      // its object, and an upload whose row committed is not failed by its clean-up.
      await deps.store
        .transaction(async (tx) => {
          await tx.lockObjectRefs();
          if ((await tx.countObjectRefs(key)) !== 0) return;
          await deps.storage.delete(key).catch((error: unknown) => {
            cleanup ??= error;
          });
          // Its thumbnail goes with it (written only under this lock while a row names it).
          await deps.storage.delete(thumbnailKey(key)).catch((error: unknown) => {
            cleanup ??= error;
          });
        })
        .catch(() => {});
    }
    for (const { unlock } of held.reverse()) await unlock().catch(() => {});
    return cleanup;
  };
  let result: T;
  try {
    for (const key of [...new Set(keys)].sort()) {
      held.push({ key, unlock: await lockObject(deps.store, key) });
    }
    result = await fn();
  } catch (error) {
    await settle(); // `fn`'s error is the answer
    throw error;
  }
  // A storage that cannot delete is reported (DELETE answers with it, the sweep logs it).
  const cleanup = await settle(!named?.(result));
  if (cleanup !== undefined) throw cleanup;
  return result;
}

/** After rows naming `keys` were deleted: deletes the objects nothing names any more. */
export async function releaseObjects(deps: ObjectDeps, keys: string[]): Promise<void> {
  await withObjects(deps, keys, async () => {});
}

/**
 * Reads a body through sha256 and the size cap without storing it, for bytes whose object
 * already exists: the same refusals as `Storage.put` (StorageLimitError, StorageChecksumError).
 */
export async function verifyBody(body: Readable, o: PutOptions): Promise<PutResult> {
  const hash = createHash('sha256');
  let size = 0;
  // On a failure, leave the body undestroyed: the caller may drain it and still answer.
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > o.maxBytes) throw new StorageLimitError(o.maxBytes);
    hash.update(buf);
  }
  const sha256 = hash.digest('hex');
  if (o.expectedSha256 && o.expectedSha256 !== sha256) {
    throw new StorageChecksumError(o.expectedSha256, sha256);
  }
  return { size, sha256 };
}

/**
 * Receives a body for a content-addressed object of `projectId`: through the storage's own
 * `stage` when it has one (local disk: no fsync or rename for bytes already stored), else put
 * at `stagingKey` and settled with settleStaged. Call `settle(objectKey)` holding its lock,
 * and `discard()` on every way out (a no-op once settled).
 */
export async function stageObject(
  storage: Storage,
  projectId: string,
  stagingKey: string,
  body: Readable,
  o: PutOptions,
): Promise<StagedBytes> {
  if (storage.stage) return storage.stage(body, o, (sha256) => objectKey(projectId, sha256));
  const stored = await storage.put(stagingKey, body, o);
  let done = false;
  return {
    ...stored,
    async settle(key) {
      if (done) return;
      await settleStaged(storage, stagingKey, key).catch(async (error: unknown) => {
        await storage.delete(stagingKey).catch(() => {}); // a leftover is only bytes
        throw error;
      });
      done = true;
    },
    async discard() {
      if (done) return;
      done = true;
      await storage.delete(stagingKey).catch(() => {});
    },
  };
}

/**
 * Moves freshly stored bytes at `staged` to their object `key`, or drops them when the object
 * is already there (identical bytes: the key is their hash). Call holding the key's lock.
 */
export async function settleStaged(storage: Storage, staged: string, key: string): Promise<void> {
  if (await storage.stat(key)) await storage.delete(staged);
  else await storage.move(staged, key);
}

/**
 * In the transaction that records a reference (after `lockObjectRefs`): refuses when the
 * object is not there (its last row went while the body was read), so no row names nothing.
 */
export async function requireObject(storage: Storage, key: string): Promise<void> {
  if (!(await storage.stat(key))) throw objectGone(key);
}

/** The object vanished between the check before the body and the lock (its last row went). */
export class ObjectGoneError extends HttpError {
  constructor(key: string) {
    super(
      503,
      'storage_unavailable',
      `The stored copy of these bytes (${key}) was deleted while the upload was read: upload again (the same URL works).`,
      undefined,
      { 'retry-after': '1' },
    );
  }
}

export const objectGone = (key: string) => new ObjectGoneError(key);
