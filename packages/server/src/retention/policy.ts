/**
 * Which snapshots a project's retention policies remove (pure: the run deletes them). Only
 * ready snapshots are considered (pending ones expire by --pending-ttl), and never one on the
 * project's default branch. A policy of a collection replaces the project's policy (collection
 * '') for that collection's snapshots; the project's covers every other collection.
 *  - keep_per_title N: per (collection, branch, title) on a branch other than the default, the
 *    newest N stay. Snapshots without a branch are left alone.
 *  - pr_days N: a snapshot with a pr_number goes when the newest publish of that PR in the
 *    project is more than N days old.
 */
import type { RetentionCandidate } from '../data/store-retention.js';
import type { RetentionPoliciesTable } from '../data/tables.js';

export type RetentionReason = 'keep_per_title' | 'pr_days';
export type Doomed = RetentionCandidate & { reason: RetentionReason };

type Policy = Pick<RetentionPoliciesTable, 'collection' | 'keep_per_title' | 'pr_days'>;
const DAY_MS = 86400_000;

/** The snapshots to delete, in id order. `candidates` are one project's, oldest first. */
export function selectExpired(
  candidates: RetentionCandidate[],
  policies: Policy[],
  defaultBranch: string,
  now: Date,
): Doomed[] {
  const byCollection = new Map(policies.map((p) => [p.collection, p]));
  const policyOf = (c: RetentionCandidate) =>
    (c.collection !== null ? byCollection.get(c.collection) : undefined) ?? byCollection.get('');
  const doomed = new Map<string, Doomed>();

  const kept = new Map<string, number>();
  for (const c of [...candidates].reverse()) {
    const n = policyOf(c)?.keep_per_title;
    if (n == null || c.branch === null || c.branch === defaultBranch) continue;
    const key = JSON.stringify([c.collection, c.branch, c.title]);
    const seen = (kept.get(key) ?? 0) + 1;
    kept.set(key, seen);
    if (seen > n) doomed.set(c.id, { ...c, reason: 'keep_per_title' });
  }

  const lastPublish = new Map<number, number>();
  for (const c of candidates) {
    if (c.pr_number === null) continue;
    const t = Date.parse(c.created_at);
    lastPublish.set(c.pr_number, Math.max(lastPublish.get(c.pr_number) ?? t, t));
  }
  for (const c of candidates) {
    const days = policyOf(c)?.pr_days;
    if (days == null || c.pr_number === null || c.branch === defaultBranch) continue;
    if (doomed.has(c.id)) continue;
    if (lastPublish.get(c.pr_number)! < now.getTime() - days * DAY_MS) {
      doomed.set(c.id, { ...c, reason: 'pr_days' });
    }
  }
  return [...doomed.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
