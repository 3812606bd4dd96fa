/**
 * Deleting a snapshot, the one way: DELETE /api/snapshots/:id, retention and anything else
 * that removes a published snapshot go through here, so each deletion logs snapshot.deleted.
 */

import type { SnapshotRecord } from '../data/records.js';
import type { Store } from '../data/store.js';
import { deletedEvent, recordEvent } from '../events/record.js';
import type { Storage } from '../storage/storage.js';

/** What a deletion needs: a server's AppContext has all of it, an admin command builds it. */
export interface DeleteDeps {
  store: Store;
  storage: Storage;
  now: () => Date;
  /** Wakes this process's event streams (absent in admin commands: the log is polled). */
  events?: { notify(projectId: string): void };
}

/**
 * Deletes the row (and its tags, artifact rows and the snapshot.deleted event in the same
 * transaction), then its files. Returns the number of files removed, or null when the row was
 * already gone (a concurrent deletion: that one logged the event).
 */
export async function deleteSnapshot(
  deps: DeleteDeps,
  snap: Pick<SnapshotRecord, 'id' | 'project_id' | 'files'>,
): Promise<number | null> {
  const deleted = await deps.store.transaction(async (tx) => {
    await tx.lockSnapshot(snap.id);
    if (!(await tx.getSnapshot(snap.id))) return false;
    await tx.deleteSnapshot(snap.id);
    await recordEvent(tx, deps, deletedEvent(deps, snap));
    return true;
  });
  if (!deleted) return null;
  deps.events?.notify(snap.project_id);
  // Rows first: a crash now leaves unreferenced files, never a row pointing at nothing.
  for (const f of snap.files) await deps.storage.delete(f.storage_key);
  return snap.files.length;
}
