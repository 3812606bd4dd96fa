/**
 * The plot review services: read a comparison, declare a head set complete (records it,
 * emits `comparison.ready`), record review decisions (and set the GitHub commit status), and
 * open a difference image. Explicit deps, no express: routes, the gallery and tests call these.
 */

import type { Readable } from 'node:stream';
import type {
  CompareRequest,
  Comparison,
  ComparisonQuery,
  ReviewRequest,
} from '@snapshotplot/api-client/contract';
import type { Principal } from '../auth/principal.js';
import type { StoreQueries } from '../data/store.js';
import type { ReviewsTable } from '../data/tables.js';
import { conflict, notFound } from '../errors.js';
import { comparisonReadyEvent, recordEvent } from '../events/record.js';
import { newId } from '../ids.js';
import { type Computed, computeComparison, type Target } from './compute.js';
import type { ComparisonDeps } from './deps.js';
import { plotDiff } from './plot-diff.js';

export type { ComparisonDeps } from './deps.js';

/** The comparison of a head commit now; no side effect beyond filling the diff cache. */
export async function readComparison(
  deps: ComparisonDeps,
  projectId: string,
  query: ComparisonQuery,
): Promise<Comparison> {
  return (await computeComparison(deps, deps.store, projectId, query as Target)).comparison;
}

/**
 * `POST …/comparisons`: the head's publishing is done. The pixel diffs run first, outside the
 * transaction (they fill the cache); then the head set, the comparison and its event commit
 * together. Repeating it re-records the head set and emits the event again.
 */
export async function completeHead(
  deps: ComparisonDeps,
  _principal: Principal,
  projectId: string,
  body: CompareRequest,
): Promise<Comparison> {
  const target: Target = { ...(body as Target), pr_number: body.pr_number ?? null };
  await computeComparison(deps, deps.store, projectId, target);
  const comparison = await deps.store.transaction(async (tx) => {
    const first = await computeComparison(deps, tx, projectId, target);
    await tx.putHeadSet({
      project_id: projectId,
      commit_sha: first.headSha,
      completed_at: deps.now().toISOString(),
      base_sha: body.base ?? null,
      base_branch: first.comparison.base_branch,
      pr_number: body.pr_number ?? null,
    });
    const done = (await computeComparison(deps, tx, projectId, target)).comparison;
    await recordEvent(tx, deps, comparisonReadyEvent(deps, done));
    return done;
  });
  deps.events.notify(projectId);
  return comparison;
}

/**
 * Who a review is by: a gallery user by their user id (the JWT `sub`), a service token by its
 * name (its id when it has none), a CI job by its identity (`org/repo@ref`).
 */
async function reviewerOf(q: StoreQueries, principal: Principal): Promise<string> {
  if (principal.kind === 'token') {
    const token = await q.getToken(principal.id);
    return token?.name ? token.name : principal.id;
  }
  return principal.id;
}

/** Sets the commit status on GitHub when the head snapshots name a repository; logs failures. */
async function postStatus(deps: ComparisonDeps, computed: Computed): Promise<void> {
  if (!deps.github) return;
  const repo = computed.heads.find((h) => h.repo_owner && h.repo_name);
  if (!repo) return;
  const c = computed.comparison;
  try {
    await deps.github.post({
      owner: repo.repo_owner!,
      repo: repo.repo_name!,
      sha: computed.headSha,
      state: c.status,
      description: c.description,
      targetUrl: c.review_url,
    });
  } catch (err) {
    deps.warn(
      { project_id: c.project_id, head_sha: c.head_sha, reason: (err as Error).message },
      'GitHub commit status failed',
    );
  }
}

/**
 * `POST …/reviews`: a decision on the named items (or on every item that needs review). Each
 * decision is bound to the pair of snapshots it was made on; answers the updated comparison.
 */
export async function recordReview(
  deps: ComparisonDeps,
  principal: Principal,
  projectId: string,
  body: ReviewRequest,
): Promise<Comparison> {
  const target = body as Target;
  const computed = await deps.store.transaction(async (tx) => {
    const now = await computeComparison(deps, tx, projectId, target);
    const items = now.comparison.items;
    const chosen: number[] = [];
    if (body.items) {
      for (const want of body.items) {
        const i = items.findIndex(
          (it) => (it.collection ?? null) === want.collection && it.title === want.title,
        );
        const name = `${want.collection === null ? '' : `${want.collection}/`}${want.title}`;
        if (i < 0)
          throw notFound(
            `No plot "${name}" in the comparison of ${now.headSha}: use the collection and title of an item it lists.`,
          );
        if (!items[i]!.needs_review)
          throw conflict(
            'not_reviewable',
            `Plot "${name}" is ${items[i]!.state} and needs no review: only changed and removed plots are reviewed.`,
          );
        if (!chosen.includes(i)) chosen.push(i);
      }
    } else {
      for (const [i, it] of items.entries()) if (it.needs_review) chosen.push(i);
      if (chosen.length === 0)
        throw conflict(
          'not_reviewable',
          `Nothing in the comparison of ${now.headSha} needs review (no changed or removed plots).`,
        );
    }
    const reviewer = await reviewerOf(tx, principal);
    const at = deps.now();
    const rows: ReviewsTable[] = chosen.map((i) => ({
      id: newId('rev', at.getTime()),
      project_id: projectId,
      head_sha: now.headSha,
      collection: items[i]!.collection ?? '',
      title: items[i]!.title,
      head_snapshot_id: now.pairs[i]!.head,
      base_snapshot_id: now.pairs[i]!.base,
      decision: body.decision,
      reviewer,
      created_at: at.toISOString(),
    }));
    await tx.insertReviews(rows);
    return computeComparison(deps, tx, projectId, target);
  });
  await postStatus(deps, computed);
  return computed.comparison;
}

/** A difference image to serve: its bytes and a validator (the pair of plot sha256s). */
export interface DiffImage {
  stream: Readable;
  size: number;
  etag: string;
}

/**
 * The difference image of a head snapshot's plot against a baseline's. 404 for snapshots not
 * in the project or without a ready plot; 409 not_reviewable when the pair cannot be compared
 * pixel by pixel (or is the same plot).
 */
export async function diffImage(
  deps: ComparisonDeps,
  projectId: string,
  headSnapshotId: string,
  baseSnapshotId: string,
): Promise<DiffImage> {
  const plotOf = async (id: string) => {
    const s = await deps.store.getSnapshot(id);
    const plot = s?.files.find((f) => f.kind === 'plot');
    if (!s || s.project_id !== projectId || s.status !== 'ready' || !plot)
      throw notFound(`Snapshot ${id} not found, or it has no ready plot.`);
    return plot;
  };
  const [head, base] = [await plotOf(headSnapshotId), await plotOf(baseSnapshotId)];
  if (head.sha256 === base.sha256)
    throw conflict(
      'not_reviewable',
      'The two snapshots have the same plot: there is no difference image.',
    );
  const row = await plotDiff(deps, deps.store, projectId, base, head);
  if (!row.storage_key)
    throw conflict(
      'not_reviewable',
      `These plots cannot be compared pixel by pixel (${row.reason ?? 'not compared'}): compare them side by side.`,
    );
  const object = await deps.storage.get(row.storage_key);
  if (!object) throw notFound('The difference image is missing from storage.');
  return { ...object, etag: `"${base.sha256.slice(0, 32)}-${head.sha256.slice(0, 32)}"` };
}
