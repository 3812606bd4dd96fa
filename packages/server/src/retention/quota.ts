/**
 * Per-project quotas (`project quota`), off unless set. Snapshots count pending ones too (a
 * publisher could otherwise hold unlimited pending rows); bytes are the stored artifacts,
 * pending snapshots' included. A pending snapshot reserves no bytes: its sizes are unknown
 * until upload, so the byte limit is enforced when the bytes arrive, inside the transaction
 * that records them. Over a limit: 507 quota_exceeded naming the limit, the use and the fix.
 */
import type { StoreQueries } from '../data/store.js';
import { quotaExceeded } from '../errors.js';

const fix = (projectId: string, flag: string) =>
  `delete snapshots or raise it with \`snapshotplot-server project quota --project ${projectId} ${flag} N\` (or ${flag} off)`;

/** The project's use, or undefined when it has no limit: no counting on the common path. */
async function usage(tx: StoreQueries, projectId: string) {
  const limits = await tx.projectLimits(projectId);
  if (!limits || (limits.max_bytes === null && limits.max_snapshots === null)) return undefined;
  return tx.projectUsage(projectId, true);
}

type Usage = NonNullable<Awaited<ReturnType<typeof usage>>>;

/** Refuses a new snapshot over max_snapshots, or while the project is already at max_bytes. */
export async function checkSnapshotQuota(tx: StoreQueries, projectId: string): Promise<void> {
  const u = await usage(tx, projectId);
  if (u) refuseSnapshot(u, projectId);
}

function refuseSnapshot(u: Usage, projectId: string): void {
  if (u.max_snapshots !== null && u.snapshots + 1 > u.max_snapshots) {
    throw quotaExceeded(
      `Project ${projectId} already has ${u.snapshots} of its ${u.max_snapshots} snapshots (pending ones count): ${fix(projectId, '--max-snapshots')}.`,
      { limit: 'max_snapshots', max: u.max_snapshots, used: u.snapshots },
    );
  }
  if (u.max_bytes !== null && u.bytes >= u.max_bytes) {
    throw quotaExceeded(
      `Project ${projectId} already stores ${u.bytes} of its ${u.max_bytes} bytes: ${fix(projectId, '--max-bytes')}.`,
      { limit: 'max_bytes', max: u.max_bytes, used: u.bytes },
    );
  }
}

/** Refuses `incoming` more bytes when they would take the project over max_bytes. */
export async function checkBytesQuota(
  tx: StoreQueries,
  projectId: string,
  incoming: number,
): Promise<void> {
  const u = await usage(tx, projectId);
  if (u) refuseBytes(u, projectId, incoming);
}

function refuseBytes(u: Usage, projectId: string, incoming: number): void {
  if (u.max_bytes === null || u.bytes + incoming <= u.max_bytes) return;
  throw quotaExceeded(
    `Storing ${incoming} more bytes would take project ${projectId} to ${u.bytes + incoming} bytes, over its ${u.max_bytes} bytes (${u.bytes} stored now): ${fix(projectId, '--max-bytes')}.`,
    { limit: 'max_bytes', max: u.max_bytes, used: u.bytes, incoming },
  );
}

/** Direct publish: one new snapshot bringing `incoming` bytes. */
export async function checkDirectPublishQuota(
  tx: StoreQueries,
  projectId: string,
  incoming: number,
): Promise<void> {
  const u = await usage(tx, projectId); // read once for both checks
  if (!u) return;
  refuseSnapshot(u, projectId);
  refuseBytes(u, projectId, incoming);
}
