/**
 * Pending expiry (--pending-ttl, default 24 h): a snapshot still pending that long after its
 * publish will not be finalized; it only holds rows and bytes nobody sees. Its row goes (no
 * event: it was never announced), then its uploaded files no other snapshot shares and, in
 * presigned mode, whatever the client PUT to its upload keys.
 */
import { ARTIFACT_KINDS } from '@snapshotplot/api-client/contract';
import type { Unlock } from '../data/store.js';
import type { DeleteDeps } from '../snapshots/remove.js';
import { releaseObjects } from '../storage/objects.js';
import type { PresignedUploads } from '../storage/s3-presigned.js';

/** At most this many per sweep, so one sweep stays short; the next one takes the rest. */
const BATCH = 1000;

export interface ExpiryDeps extends DeleteDeps {
  /** Upload keys of presigned mode (absent or null in proxy mode). */
  presigned?: PresignedUploads | null;
  /** `snapshot/kind` uploads streaming in this process: such a snapshot is left for later. */
  uploadsInProgress?: Set<string>;
}

/** Every upload lock of a snapshot, or null (none kept) when an upload holds one. */
async function uploadLocks(deps: ExpiryDeps, id: string): Promise<Unlock[] | null> {
  const held: Unlock[] = [];
  for (const kind of ARTIFACT_KINDS) {
    const unlock = await deps.store.tryLock(`upload:${id}/${kind}`);
    if (!unlock) {
      await Promise.all(held.map((u) => u()));
      return null;
    }
    held.push(unlock);
  }
  return held;
}

/** Deletes snapshots pending for longer than `ttlSeconds`; returns how many and their files. */
export async function expirePending(
  deps: ExpiryDeps,
  ttlSeconds: number,
): Promise<{ pending_expired: number; files_removed: number }> {
  const cutoff = new Date(deps.now().getTime() - ttlSeconds * 1000).toISOString();
  let expired = 0;
  let files = 0;
  for (const id of await deps.store.expiredPending(cutoff, BATCH)) {
    if (ARTIFACT_KINDS.some((k) => deps.uploadsInProgress?.has(`${id}/${k}`))) continue;
    // An upload streaming in another process (a cluster worker, a replica) holds its
    // artifact's lock (snapshots/upload.ts): holding them all, none can start meanwhile.
    const unlocks = await uploadLocks(deps, id);
    if (!unlocks) continue;
    const snap = await deps.store
      .transaction(async (tx) => {
        await tx.lockSnapshot(id);
        const s = await tx.getSnapshot(id);
        // Finalized or deleted meanwhile: not ours to remove.
        if (s?.status !== 'pending' || s.created_at >= cutoff) return undefined;
        await tx.deleteSnapshot(id);
        return s;
      })
      .finally(() => Promise.all(unlocks.map((u) => u())));
    if (!snap) continue;
    expired += 1;
    // Objects other snapshots still name stay (identical bytes are stored once).
    await releaseObjects(
      deps,
      snap.files.map((f) => f.storage_key),
    );
    files += snap.files.length;
    if (deps.presigned) {
      for (const kind of ARTIFACT_KINDS) {
        await deps.presigned.storage.deleteRaw(deps.presigned.uploadKey(snap, kind));
      }
    }
  }
  return { pending_expired: expired, files_removed: files };
}
