/**
 * Removing a snapshot, the one way: DELETE /api/snapshots/:id, retention and anything else
 * that removes a published snapshot go through here, so each deletion logs snapshot.deleted.
 */

import type { SnapshotRecord } from '../data/records.js';
import { deletedEvent } from '../events/record.js';
import { releaseObjects } from '../storage/objects.js';
import { commitThenNotify } from './commit.js';
import type { SnapshotDeps } from './deps.js';

/**
 * What a deletion needs: the server's SnapshotDeps have it, an admin command builds it (with
 * no `events`: other processes' streams poll the log).
 */
export type DeleteDeps = Pick<SnapshotDeps, 'store' | 'storage' | 'now'> &
  Partial<Pick<SnapshotDeps, 'events'>>;

/**
 * Deletes the row (and its tags, artifact rows and the snapshot.deleted event in the same
 * transaction), then each of its objects that no other snapshot names (identical bytes are
 * stored once: storage/objects.ts). Returns the number of artifacts removed, or null when the
 * row was already gone (a concurrent deletion: that one logged the event).
 */
export async function removeSnapshot(
  deps: DeleteDeps,
  snap: Pick<SnapshotRecord, 'id' | 'project_id' | 'files'>,
): Promise<number | null> {
  const deleted = await commitThenNotify(deps, async (tx, emit) => {
    await tx.lockSnapshot(snap.id);
    if (!(await tx.getSnapshot(snap.id))) return false;
    await tx.deleteSnapshot(snap.id);
    await emit(deletedEvent(deps, snap));
    return true;
  });
  if (!deleted) return null;
  // Rows first: a crash now leaves unreferenced files, never a row pointing at nothing.
  await releaseObjects(
    deps,
    snap.files.map((f) => f.storage_key),
  );
  return snap.files.length;
}
