/**
 * Reading snapshots, for the API and the gallery alike: one snapshot, a page of a project's
 * snapshots (newest first, the cursor is the last id seen), the versions of one plot, and a
 * project's collections. Access checks stay with the caller (a route or a gallery page),
 * which knows who is asking.
 */
import { type Collection, CollectionSchema } from '@snapshotplot/api-client/contract';
import { checkDelivery } from '../auth/upload-tokens.js';
import type { ArtifactRecord, SnapshotRecord } from '../data/records.js';
import type { SnapshotFilters } from '../data/store-snapshots.js';
import type { SnapshotDeps } from './deps.js';

type Reader = Pick<SnapshotDeps, 'store'>;

/** One snapshot, any status; undefined when there is none. */
export function readSnapshot(deps: Reader, id: string): Promise<SnapshotRecord | undefined> {
  return deps.store.getSnapshot(id);
}

/**
 * What a plot_url's signed query (`expires`, `sig`) opens for snapshot `id`: `expired` /
 * `invalid` signatures, else the ready snapshot's plot file (undefined when it has none). The
 * frame page and the thumbnail route take the same capability as the plot itself.
 */
export async function signedPlot(
  deps: Reader & { secret: Buffer; now: () => Date },
  id: string,
  expires: string,
  sig: string,
): Promise<'expired' | 'invalid' | { file: ArtifactRecord | undefined }> {
  const check = checkDelivery(deps.secret, {
    snapshotId: id,
    kind: 'plot',
    expires,
    sig,
    nowSeconds: Math.floor(deps.now().getTime() / 1000),
  });
  if (check !== 'ok') return check;
  const snap = await readSnapshot(deps, id);
  return { file: snap?.status === 'ready' ? snap.files.find((f) => f.kind === 'plot') : undefined };
}

/** A ready snapshot of the project; undefined when absent, pending or another project's. */
export async function readReadySnapshot(
  deps: Reader,
  projectId: string,
  id: string,
): Promise<SnapshotRecord | undefined> {
  const snap = await deps.store.getSnapshot(id);
  return snap && snap.project_id === projectId && snap.status === 'ready' ? snap : undefined;
}

/** One page of a project's snapshots and the cursor of the next (null on the last page). */
export async function listSnapshots(
  deps: Reader,
  projectId: string,
  filters: SnapshotFilters,
  limit: number,
  cursor?: string,
): Promise<{ page: SnapshotRecord[]; nextCursor: string | null }> {
  const { page, more } = await deps.store.listSnapshots(projectId, filters, limit, cursor);
  return { page, nextCursor: more ? page[page.length - 1]!.id : null };
}

/**
 * One page of the latest-per-plot view: the newest of each plot (collection, title) among the
 * snapshots the filters pick, with how many versions they pick.
 */
export async function listLatest(
  deps: Reader,
  projectId: string,
  filters: SnapshotFilters,
  limit: number,
  cursor?: string,
): Promise<{
  page: Array<{ snapshot: SnapshotRecord; versions: number }>;
  nextCursor: string | null;
}> {
  const { page, more } = await deps.store.listLatest(projectId, filters, limit, cursor);
  return { page, nextCursor: more ? page[page.length - 1]!.snapshot.id : null };
}

/** The ready versions of one plot (same title and collection), newest first. */
export async function listVersions(
  deps: Reader,
  snap: Pick<SnapshotRecord, 'project_id' | 'title' | 'collection_id'>,
  limit: number,
): Promise<SnapshotRecord[]> {
  const filters = {
    title: snap.title,
    collection_id: snap.collection_id,
    status: 'ready' as const,
  };
  return (await deps.store.listSnapshots(snap.project_id, filters, limit)).page;
}

/** A project's collections with their snapshot counts, by name. */
export async function listCollections(deps: Reader, projectId: string): Promise<Collection[]> {
  const rows = await deps.store.listCollections(projectId);
  return rows.map((r) =>
    CollectionSchema.parse({ ...r, snapshot_count: Number(r.snapshot_count) }),
  );
}

/** The projects among `ids` (a principal's grants), as stored. */
export async function listProjectsAmong(deps: Reader, ids: ReadonlySet<string>) {
  return (await deps.store.listProjects()).filter((p) => ids.has(p.id));
}

/** A project by id; undefined when there is none. */
export function readProject(deps: Reader, id: string) {
  return deps.store.getProject(id);
}

/** A stored artifact's bytes (or an inclusive byte range of them); null when the object is gone. */
export function openArtifact(
  deps: Pick<SnapshotDeps, 'storage'>,
  file: Pick<ArtifactRecord, 'storage_key'>,
  range?: { start: number; end: number },
) {
  return deps.storage.get(file.storage_key, range);
}
