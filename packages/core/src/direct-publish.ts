/**
 * Direct publish (the spec's one-request upload): the files are checked and hashed here, then
 * the client sends metadata and file parts in one multipart request.
 */
import type { DirectPublishMetadata, Snapshot, SnapshotplotClient } from '@snapshotplot/api-client';
import { inspectArtifacts } from './files.js';

/** Inspects the plot and/or code file, then publishes, stores and finalizes them in one request. */
export async function publishDirect(
  client: SnapshotplotClient,
  metadata: DirectPublishMetadata,
  files: { plot?: string; code?: string },
  o: { maxFileBytes?: number } = {},
): Promise<Snapshot> {
  return client.publishDirect(metadata, await inspectArtifacts(files, o.maxFileBytes));
}
