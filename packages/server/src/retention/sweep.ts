/**
 * The clean-up the server runs at start-up and every --sweep-interval-ms: pending snapshots
 * past --pending-ttl, and, with --retention, the projects' retention policies. What it removed
 * is logged at info; nothing is logged when there was nothing to do.
 */
import type { Logger } from 'pino';
import { type ExpiryDeps, expirePending } from './expire-pending.js';
import { runRetention } from './run.js';

export interface SweepDeps extends ExpiryDeps {
  logger: Logger;
}

/** One sweep; failures propagate (the caller logs them and tries again next time). */
export async function sweepSnapshots(
  deps: SweepDeps,
  o: { pendingTtl: number; retention: boolean },
): Promise<void> {
  const pending = await expirePending(deps, o.pendingTtl);
  if (pending.pending_expired > 0) {
    deps.logger.info(pending, 'removed pending snapshots older than --pending-ttl');
  }
  if (!o.retention) return;
  const r = await runRetention(deps);
  if (r.deleted.length > 0) {
    deps.logger.info(
      {
        retention_deleted: r.deleted.length,
        files_removed: r.files_removed,
        snapshot_ids: r.deleted.map((d) => d.id),
      },
      'removed snapshots by the retention policies',
    );
  }
}
