/** Applies the retention policies: `retention run` and `serve --retention`'s sweep. */
import { type DeleteDeps, removeSnapshot } from '../snapshots/remove.js';
import { type Doomed, selectExpired } from './policy.js';

export interface RetentionResult {
  dry_run: boolean;
  /** What was deleted (or, in a dry run, would be). */
  deleted: Doomed[];
  files_removed: number;
}

/** Runs every policy (of one project when given); a dry run only lists. */
export async function runRetention(
  deps: DeleteDeps,
  o: { projectId?: string; dryRun?: boolean } = {},
): Promise<RetentionResult> {
  const policies = await deps.store.listRetentionPolicies(o.projectId);
  const projects = [...new Set(policies.map((p) => p.project_id))];
  const result: RetentionResult = { dry_run: o.dryRun === true, deleted: [], files_removed: 0 };
  for (const projectId of projects) {
    const own = policies.filter((p) => p.project_id === projectId);
    const candidates = await deps.store.retentionCandidates(projectId);
    const doomed = selectExpired(candidates, own, own[0]!.default_branch ?? 'main', deps.now());
    for (const d of doomed) {
      if (result.dry_run) {
        result.deleted.push(d);
        continue;
      }
      const snap = await deps.store.getSnapshot(d.id);
      if (!snap) continue;
      const files = await removeSnapshot(deps, snap);
      if (files === null) continue;
      result.deleted.push(d);
      result.files_removed += files;
    }
  }
  return result;
}
