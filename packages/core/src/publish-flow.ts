/**
 * The publish flow: check files -> publish (idempotent) -> PUT each artifact concurrently,
 * streamed -> finalize. Upload URLs that expired or were spent meanwhile are renewed by
 * publishing again with the same key; a snapshot that is already ready skips the uploads.
 */

import {
  ApiError,
  ARTIFACT_KINDS,
  type ArtifactKind,
  type Checksums,
  keyFor,
  type PublishMetadata,
  publishBody,
  type Snapshot,
  type SnapshotplotClient,
} from '@snapshotplot/api-client';
import {
  assertUnchanged,
  type InspectedFile,
  inspectArtifacts,
  type OpenFile,
  openArtifact,
} from './files.js';

export type ProgressEvent =
  | { type: 'phase'; phase: 'checking' | 'publishing' | 'uploading' | 'finalizing' | 'done' }
  | { type: 'upload'; kind: ArtifactKind; sent: number; total: number };

export interface PublishSnapshotOptions {
  metadata: PublishMetadata;
  plot?: string | undefined;
  code?: string | undefined;
  /**
   * The files as planPublish already inspected them: then they are not read and hashed again
   * (`plot` / `code` are ignored). One read to hash, one per upload attempt to stream.
   */
  inspected?: readonly InspectedFile[] | undefined;
  /** Local size limit per file; default 50 MiB (the server's default). */
  maxFileBytes?: number | undefined;
  onProgress?: (e: ProgressEvent) => void;
  /** How artifact files are opened (hashing and uploads); default openArtifact (1 MiB reads). */
  open?: OpenFile | undefined;
}

/** How many times expired or spent upload URLs are renewed before giving up. */
const MAX_RENEWALS = 2;

/** Upload failures that fresh URLs from a new publish can cure. */
function isRenewable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return (
    (error.status === 403 && error.code === 'upload_url_expired') ||
    (error.status === 409 && error.code === 'upload_url_used') ||
    (error.status === 401 && error.code === 'invalid_upload_token')
  );
}

/** publish -> PUT each artifact (concurrently, streamed) -> finalize; renews expired URLs; skips uploads when ready. */
export async function publishSnapshot(
  client: SnapshotplotClient,
  o: PublishSnapshotOptions,
): Promise<{ snapshot: Snapshot; created: boolean }> {
  const emit = o.onProgress ?? (() => {});
  emit({ type: 'phase', phase: 'checking' });
  const files: Partial<Record<ArtifactKind, InspectedFile>> = {};
  const checksums: Checksums = {};
  const open = o.open ?? openArtifact;
  const inspected = o.inspected ?? (await inspectArtifacts(o, o.maxFileBytes, open));
  for (const f of inspected) {
    files[f.kind] = f;
    checksums[f.kind] = f.sha256;
  }
  const body = publishBody(o.metadata, checksums);
  // Same derivation as idempotencyKeyFor (which would validate the metadata a second time).
  const idempotencyKey = keyFor('spk1', body);

  emit({ type: 'phase', phase: 'publishing' });
  let published = await client.publish(body, { idempotencyKey });
  const created = published.created;
  for (let renewals = 0; published.status !== 'ready'; renewals++) {
    const pending = ARTIFACT_KINDS.flatMap((kind) => {
      const url = published.upload_urls[kind];
      const file = files[kind];
      return url && file ? [{ url, file }] : [];
    });
    if (pending.length === 0) break;
    emit({ type: 'phase', phase: 'uploading' });
    const results = await Promise.allSettled(
      pending.map(({ url, file }) =>
        client
          .upload(
            url,
            () => {
              // Every attempt: a file rewritten since it was hashed is a clear InputError
              // (never retried), not a checksum refusal or a Content-Length mismatch.
              assertUnchanged(file);
              return open(file.path);
            },
            {
              contentType: file.contentType,
              size: file.size,
              sha256: file.sha256,
              onProgress: (sent, total) => emit({ type: 'upload', kind: file.kind, sent, total }),
            },
          )
          .catch((error: unknown) => {
            // Changed while it streamed (same size): the server refused the bytes and kept
            // nothing. Say so in the file's terms when the file shows it.
            if (error instanceof ApiError && error.code === 'checksum_mismatch') {
              assertUnchanged(file);
            }
            throw error;
          }),
      ),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length === 0) break;
    const fatal = failures.find((e) => !isRenewable(e));
    if (fatal !== undefined || renewals >= MAX_RENEWALS) throw fatal ?? failures[0];
    emit({ type: 'phase', phase: 'publishing' });
    published = await client.publish(body, { idempotencyKey });
  }

  emit({ type: 'phase', phase: 'finalizing' });
  const finalized = await client.finalize({
    project_id: body.project_id,
    snapshot_id: published.snapshot_id,
  });
  const snapshot = finalized.snapshot ?? (await client.getSnapshot(published.snapshot_id));
  emit({ type: 'phase', phase: 'done' });
  return { snapshot, created };
}
