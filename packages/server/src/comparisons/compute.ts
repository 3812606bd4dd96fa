/**
 * Builds a Comparison (comparison-schemas.ts) from the store: the head set, each item's
 * baseline by the rules of the contract's header, the per-plot diff and tolerance, the review
 * decisions that still apply, the summary, the status and its description.
 */
import type {
  BaselineRule,
  Comparison,
  ComparisonItem,
  ComparisonState,
  ComparisonStatus,
  PlotDiff,
  Review,
} from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import type { ReviewSettings } from '../data/store-comparisons.js';
import type { HeadSetsTable, PlotDiffsTable, ReviewsTable } from '../data/tables.js';
import { badRequest, notFound } from '../errors.js';
import { signedQuery, toSnapshot } from '../snapshots/view.js';
import type { ComparisonDeps } from './deps.js';
import { plotDiff } from './plot-diff.js';

export interface Target {
  head: string;
  base?: string;
  base_branch?: string;
  collection?: string;
  pr_number?: number | null;
}

/** The comparison, and what a review or a commit status needs beside it. */
export interface Computed {
  comparison: Comparison;
  headSha: string;
  heads: SnapshotRecord[];
  /** Per item (same order as comparison.items): the head and baseline snapshot ids. */
  pairs: Array<{ head: string | null; base: string | null }>;
}

const ORDER: Record<ComparisonState, number> = { changed: 0, removed: 1, new: 2, unchanged: 3 };

const keyOf = (s: { collection: string | null; title: string }) =>
  `${s.collection ?? ''}\u0000${s.title}`;

/** A commit the client names: exact, or an abbreviation (7+) of exactly one stored sha. */
export async function resolveHead(
  q: Pick<StoreQueries, 'resolveCommit'>,
  projectId: string,
  commit: string,
): Promise<string> {
  const found = await q.resolveCommit(projectId, commit.toLowerCase());
  if (found.length === 0)
    throw notFound(
      `No ready snapshot at commit ${commit} in project ${projectId}: publish the head commit's plots first (or check the sha).`,
    );
  if (found.length > 1)
    throw badRequest(
      `Commit ${commit} is ambiguous in project ${projectId}: it abbreviates more than one published commit; give more characters or the full sha.`,
    );
  return found[0]!;
}

function toPlotDiff(
  deps: ComparisonDeps,
  row: PlotDiffsTable,
  tolerance: number,
  head: SnapshotRecord,
  base: SnapshotRecord,
): PlotDiff {
  const area = row.width && row.height ? row.width * row.height : 0;
  const ratio =
    row.compared && row.changed_pixels !== null && area > 0
      ? Math.min(1, row.changed_pixels / area)
      : null;
  const path = `/api/snapshots/${head.id}/diff/${base.id}`;
  return {
    method: row.method,
    compared: row.compared === 1,
    reason: (row.reason as PlotDiff['reason']) ?? null,
    width: row.width,
    height: row.height,
    changed_pixels: row.compared ? row.changed_pixels : null,
    ratio,
    tolerance,
    diff_url: row.storage_key
      ? `${deps.signer.publicUrl()}${path}?${signedQuery(deps, head.id, `diff.${base.id}`)}`
      : null,
  };
}

/** The plot artifacts of both sides: the state and the diff of the pair. */
async function judge(
  deps: ComparisonDeps,
  q: StoreQueries,
  head: SnapshotRecord,
  base: SnapshotRecord,
  tolerance: number,
): Promise<{ state: ComparisonState; diff: PlotDiff | null }> {
  const hp = head.files.find((f) => f.kind === 'plot');
  const bp = base.files.find((f) => f.kind === 'plot');
  if (!hp && !bp) return { state: 'unchanged', diff: null };
  if (hp && bp && hp.sha256 === bp.sha256) return { state: 'unchanged', diff: null };
  if (!hp || !bp) {
    return {
      state: 'changed',
      diff: {
        method: 'hash',
        compared: false,
        reason: 'not_raster',
        width: null,
        height: null,
        changed_pixels: null,
        ratio: null,
        tolerance,
        diff_url: null,
      },
    };
  }
  const row = await plotDiff(deps, q, head.project_id, bp, hp);
  const diff = toPlotDiff(deps, row, tolerance, head, base);
  const within = diff.compared && diff.ratio !== null && diff.ratio <= tolerance;
  return { state: within ? 'unchanged' : 'changed', diff };
}

function codeChanged(head: SnapshotRecord, base: SnapshotRecord): boolean | null {
  const h = head.files.find((f) => f.kind === 'code');
  const b = base.files.find((f) => f.kind === 'code');
  return h && b ? h.sha256 !== b.sha256 : null;
}

/** `2 changed, 1 new, 8 unchanged` (+ review progress), at most GitHub's 140 characters. */
export function describe(summary: Comparison['summary']): string {
  const parts = (['changed', 'removed', 'new', 'unchanged'] as const)
    .filter((k) => summary[k] > 0)
    .map((k) => `${summary[k]} ${k}`);
  let text = parts.length ? parts.join(', ') : 'no plots';
  const decided = [
    summary.approved ? `${summary.approved} approved` : '',
    summary.changes_requested ? `${summary.changes_requested} with changes requested` : '',
  ].filter(Boolean);
  if (decided.length) text += `; ${decided.join(', ')}`;
  return text.slice(0, 140);
}

/** The project's review settings, or 404. */
export async function settingsOf(q: StoreQueries, projectId: string): Promise<ReviewSettings> {
  const s = await q.reviewSettings(projectId);
  if (!s) throw notFound(`Project ${projectId} not found.`);
  return s;
}

/** The comparison of `target` as the store holds it now. */
export async function computeComparison(
  deps: ComparisonDeps,
  q: StoreQueries,
  projectId: string,
  target: Target,
): Promise<Computed> {
  const settings = await settingsOf(q, projectId);
  const headSha = await resolveHead(q, projectId, target.head);
  const headSet: HeadSetsTable | undefined = await q.getHeadSet(projectId, headSha);
  const baseBranch = target.base_branch ?? headSet?.base_branch ?? settings.default_branch;
  const baseGiven = target.base ?? headSet?.base_sha ?? null;
  let baseSha: string | null = null;
  if (baseGiven) {
    const found = await q.resolveCommit(projectId, baseGiven.toLowerCase());
    baseSha = found.length === 1 ? found[0]! : null;
  }
  const inScope = (s: { collection: string | null }) =>
    target.collection === undefined || s.collection === target.collection;
  const heads = (await q.readyAtCommit(projectId, headSha)).filter(inScope);
  const atBase = baseSha
    ? new Map((await q.readyAtCommit(projectId, baseSha)).filter(inScope).map((s) => [keyOf(s), s]))
    : new Map<string, SnapshotRecord>();
  const toleranceOf = (collection: string | null) =>
    (collection !== null ? settings.collection_tolerances.get(collection) : undefined) ??
    settings.tolerance;

  // The latest decision per (item, head snapshot, baseline snapshot): older pairs have lapsed.
  const decisions = new Map<string, ReviewsTable>();
  for (const r of await q.reviewsFor(projectId, headSha))
    decisions.set(
      `${r.collection}\u0000${r.title}\u0000${r.head_snapshot_id ?? ''}\u0000${r.base_snapshot_id ?? ''}`,
      r,
    );
  const reviewOf = (key: string, head: string | null, base: string | null): Review | null => {
    const r = decisions.get(`${key}\u0000${head ?? ''}\u0000${base ?? ''}`);
    return r ? { decision: r.decision, reviewer: r.reviewer, created_at: r.created_at } : null;
  };

  const rows: Array<{ item: ComparisonItem; pair: Computed['pairs'][number] }> = [];
  for (const head of heads) {
    const key = keyOf(head);
    let base: SnapshotRecord | undefined = atBase.get(key);
    let rule: BaselineRule = base ? 'merge_base' : 'none';
    if (!base) {
      base = await q.newestOnBranch(
        projectId,
        baseBranch,
        head.collection_id,
        head.title,
        head.created_at,
        headSha,
      );
      if (base) rule = 'base_branch';
    }
    const tolerance = toleranceOf(head.collection);
    const judged = base ? await judge(deps, q, head, base, tolerance) : null;
    const state: ComparisonState = judged ? judged.state : 'new';
    const needs = state === 'changed';
    rows.push({
      pair: { head: head.id, base: base?.id ?? null },
      item: {
        collection: head.collection,
        title: head.title,
        state,
        head: toSnapshot(deps, head),
        base: base ? toSnapshot(deps, base) : null,
        baseline_rule: rule,
        diff: judged?.diff ?? null,
        code_changed: base ? codeChanged(head, base) : null,
        needs_review: needs,
        review: needs ? reviewOf(key, head.id, base?.id ?? null) : null,
      },
    });
  }

  // `removed` only once the head set is declared complete: the baselines nobody re-published.
  if (headSet && heads.length > 0) {
    let candidates: SnapshotRecord[] = [...atBase.values()];
    let rule: BaselineRule = 'merge_base';
    if (!baseSha || candidates.length === 0) {
      const earliest = heads.map((h) => h.created_at).sort()[0]!;
      const commit = await q.latestBranchCommit(projectId, baseBranch, earliest, headSha);
      candidates = commit ? (await q.readyAtCommit(projectId, commit)).filter(inScope) : [];
      rule = 'base_branch';
    }
    const present = new Set(heads.map(keyOf));
    for (const base of candidates) {
      const key = keyOf(base);
      if (present.has(key)) continue;
      rows.push({
        pair: { head: null, base: base.id },
        item: {
          collection: base.collection,
          title: base.title,
          state: 'removed',
          head: null,
          base: toSnapshot(deps, base),
          baseline_rule: rule,
          diff: null,
          code_changed: null,
          needs_review: true,
          review: reviewOf(key, null, base.id),
        },
      });
    }
  }

  rows.sort(
    (a, b) =>
      ORDER[a.item.state] - ORDER[b.item.state] ||
      (a.item.collection ?? '').localeCompare(b.item.collection ?? '') ||
      a.item.title.localeCompare(b.item.title),
  );
  const items = rows.map((r) => r.item);
  const count = (s: ComparisonState) => items.filter((i) => i.state === s).length;
  const review = items.filter((i) => i.needs_review);
  const summary = {
    changed: count('changed'),
    new: count('new'),
    removed: count('removed'),
    unchanged: count('unchanged'),
    approved: review.filter((i) => i.review?.decision === 'approved').length,
    changes_requested: review.filter((i) => i.review?.decision === 'changes_requested').length,
    unreviewed: review.filter((i) => !i.review).length,
  };
  const status: ComparisonStatus =
    summary.changes_requested > 0
      ? 'failure'
      : summary.approved === review.length
        ? 'success'
        : settings.on_change;
  const params = new URLSearchParams({ head: headSha });
  if (baseGiven) params.set('base', baseGiven);
  if (target.base_branch) params.set('base_branch', target.base_branch);
  return {
    headSha,
    heads,
    pairs: rows.map((r) => r.pair),
    comparison: {
      project_id: projectId,
      head_sha: headSha,
      base_sha: baseGiven,
      base_branch: baseBranch,
      pr_number:
        target.pr_number ?? headSet?.pr_number ?? heads.find((h) => h.pr_number)?.pr_number ?? null,
      complete: !!headSet,
      status,
      description: describe(summary),
      summary,
      items,
      review_url: deps.gallery
        ? `${deps.signer.publicUrl()}/projects/${projectId}/review?${params.toString()}`
        : null,
    },
  };
}
