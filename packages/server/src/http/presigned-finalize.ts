/**
 * Finalize in `--upload-mode presigned`: the artifacts were PUT straight to S3, so there are
 * no artifact rows yet. Verify each uploaded object (storage/s3-presigned.ts) and record it,
 * then finalize carries on as usual (409 missing_artifacts for what is still absent).
 */
import type { SnapshotRecord } from '../data/records.js';
import { notFound } from '../errors.js';
import { checkBytesQuota } from '../retention/quota.js';
import type { AppContext } from './context.js';

/** Verifies and records the presigned uploads of a pending snapshot; returns it re-read. */
export async function collectPresigned(
  ctx: AppContext,
  snap: SnapshotRecord,
): Promise<SnapshotRecord> {
  await ctx.presigned!.collect(snap, {
    maxUploadBytes: ctx.config.maxUploadBytes,
    now: ctx.now,
    admit: (size) => checkBytesQuota(ctx.store, snap.project_id, size),
    record: (row) =>
      ctx.store.transaction(async (tx) => {
        const current = await tx.getSnapshot(row.snapshot_id);
        // A concurrent finalize (another replica) recorded it first: same verified bytes.
        if (current?.status !== 'pending') return;
        if (current.files.some((f) => f.kind === row.kind)) return;
        await checkBytesQuota(tx, snap.project_id, row.size);
        await tx.putArtifact(row);
      }),
  });
  const fresh = await ctx.store.getSnapshot(snap.id);
  if (!fresh) throw notFound(`Snapshot ${snap.id} was deleted during finalize.`);
  return fresh;
}
