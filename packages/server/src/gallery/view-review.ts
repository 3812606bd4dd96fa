/**
 * The review page: a head commit's plots against their baselines (a Comparison), changed ones
 * first with both plots side by side, the server's difference image, the diff score and the
 * code diff, and the Approve / Request changes buttons for publishers. A pure view: the route
 * (routes-review.ts) reads the comparison and renders the code diffs.
 */
import type {
  BaselineRule,
  Comparison,
  ComparisonItem,
  ComparisonState,
  PlotDiff,
  Review,
} from '@snapshotplot/api-client/contract';
import { ago, html, queryString, type SafeHtml, safeUrl } from './html.js';
import { isLive } from './plot-frame.js';
import { side } from './view-compare.js';
import { shortSha } from './view-grid.js';

/** A plot's natural key, as the page's forms and the code diff map carry it. */
export const itemKey = (i: { collection: string | null; title: string }) =>
  JSON.stringify([i.collection, i.title]);

/** The id of an item's section (the POST redirects back to it). */
export const itemAnchor = (i: { collection: string | null; title: string }) =>
  `item-${encodeURIComponent(itemKey(i)).replace(/%/g, '_')}`;

/** The review page's own URL for a comparison (its `review_url` path). */
export function reviewPath(
  projectId: string,
  c: Pick<Comparison, 'head_sha' | 'base_sha' | 'base_branch'>,
) {
  return `/projects/${projectId}/review${queryString({
    head: c.head_sha,
    base: c.base_sha,
    base_branch: c.base_branch,
  })}`;
}

const STATE_ORDER: ComparisonState[] = ['changed', 'removed', 'new', 'unchanged'];
const STATE_LABEL: Record<ComparisonState, string> = {
  changed: 'changed',
  removed: 'removed',
  new: 'new',
  unchanged: 'unchanged',
};
const STATUS_NOTE: Record<Comparison['status'], string> = {
  success: 'nothing waits for review',
  pending: 'changes wait for review',
  failure: 'changes were requested',
};
const NOT_COMPARED: Record<NonNullable<PlotDiff['reason']>, string> = {
  size_changed: 'not compared: the size changed',
  too_large: 'not compared: too large',
  timeout: 'not compared: took too long',
  decode_failed: 'not compared: an image could not be decoded',
  not_raster: 'compared by hash: not a raster plot',
};

const percent = (x: number) =>
  `${(x * 100).toFixed(x === 0 || x >= 0.1 ? 1 : x >= 0.001 ? 2 : 3).replace(/\.?0+$/, '')}%`;

/** "2 changed, 1 new, 8 unchanged" (zero counts left out; "no plots" when all are zero). */
export function summaryLine(c: Comparison): string {
  const s = c.summary;
  const parts = STATE_ORDER.filter((k) => s[k] > 0).map((k) => `${s[k]} ${STATE_LABEL[k]}`);
  return parts.length ? parts.join(', ') : 'no plots at this commit';
}

/** How much a pair differs, as one line: pixels and share, or why it was not compared. */
export function scoreLine(item: ComparisonItem): string {
  const d = item.diff;
  if (item.state === 'new') return 'new: no baseline to compare with';
  if (item.state === 'removed') return 'removed: the head commit has no such plot';
  if (!d) return item.state === 'unchanged' ? 'identical (same sha256)' : 'changed (by hash)';
  if (!d.compared) {
    const why = d.reason ? NOT_COMPARED[d.reason] : 'not compared';
    return d.method === 'hash' && !d.reason ? 'changed (by hash)' : why;
  }
  const px = d.changed_pixels ?? 0;
  const of = d.width && d.height ? ` of ${d.width}×${d.height}` : '';
  const ratio = d.ratio === null ? '' : ` (${percent(d.ratio)}${of})`;
  return `${px.toLocaleString('en-US')} pixel${px === 1 ? '' : 's'} changed${ratio}; tolerance ${percent(d.tolerance)}`;
}

const RULE_LABEL: Record<BaselineRule, (c: Comparison) => string> = {
  merge_base: (c) => `at the merge base ${shortSha(c.base_sha) ?? ''}`.trim(),
  base_branch: (c) => `newest on ${c.base_branch} before the head`,
  none: () => 'none (new plots)',
};

/** The baseline rules used, with how many plots each chose. */
function baselineRules(c: Comparison): SafeHtml {
  const counts = new Map<BaselineRule, number>();
  for (const i of c.items) counts.set(i.baseline_rule, (counts.get(i.baseline_rule) ?? 0) + 1);
  const used = (['merge_base', 'base_branch', 'none'] as const).filter((r) => counts.has(r));
  if (!used.length) return html``;
  return html`${used.map((r, n) => html`${n ? '; ' : ''}${RULE_LABEL[r](c)} <small>(${counts.get(r)} plot${counts.get(r) === 1 ? '' : 's'})</small>`)}`;
}

/** "Approved by ci-bot, 3 minutes ago" */
export function decisionLine(r: Review | null, now: Date): SafeHtml {
  if (!r) return html`<span class="decision none">not reviewed yet</span>`;
  const word = r.decision === 'approved' ? 'Approved' : 'Changes requested';
  return html`<span class="decision ${r.decision}">${word} by <strong>${r.reviewer}</strong>, <time datetime="${r.created_at}" title="${r.created_at}">${ago(r.created_at, now)}</time></span>`;
}

export interface ReviewForm {
  projectId: string;
  comparison: Comparison;
  csrf: string;
}

/** The hidden fields every review form carries: the comparison target and the CSRF token. */
function target(f: ReviewForm): SafeHtml {
  const c = f.comparison;
  return html`<input type="hidden" name="csrf" value="${f.csrf}"><input type="hidden" name="head" value="${c.head_sha}">${c.base_sha ? html`<input type="hidden" name="base" value="${c.base_sha}">` : ''}<input type="hidden" name="base_branch" value="${c.base_branch}">`;
}

function buttons(f: ReviewForm, item: ComparisonItem | null): SafeHtml {
  const action = `/projects/${f.projectId}/review`;
  const key = item
    ? html`<input type="hidden" name="title" value="${item.title}">${item.collection !== null ? html`<input type="hidden" name="collection" value="${item.collection}">` : ''}`
    : html`<input type="hidden" name="all" value="1">`;
  const current = item?.review?.decision;
  return html`<form class="review-buttons" method="post" action="${action}">${target(f)}${key}
<button type="submit" name="decision" value="approved" class="approve"${current === 'approved' ? ' disabled' : ''}>${item ? 'Approve' : 'Approve all'}</button>
<button type="submit" name="decision" value="changes_requested" class="reject"${current === 'changes_requested' ? ' disabled' : ''}>${item ? 'Request changes' : 'Request changes on all'}</button>
</form>`;
}

function diffImage(item: ComparisonItem): SafeHtml {
  const url = item.diff?.diff_url;
  if (!url) return html``;
  // The difference image is transparent but for the changed pixels: laid over a faded copy of
  // the head plot (same size, the pair was compared pixel by pixel), the change shows in place.
  const head = item.head?.plot_url;
  return html`<figure class="diff-image"><div class="diff-stack">${head ? html`<img class="diff-under" src="${safeUrl(head)}" alt="" decoding="async">` : ''}<img class="diff-over" src="${safeUrl(url)}" alt="Difference of ${item.title}: changed pixels highlighted" decoding="async"></div><figcaption>Difference: changed pixels in red over the head plot (faded)</figcaption></figure>`;
}

function itemSection(
  o: ReviewPageOptions,
  item: ComparisonItem,
  code: SafeHtml | null | undefined,
): SafeHtml {
  const { projectId, now } = o;
  const sides = [
    item.base ? side(projectId, 'baseline', item.base, null, now, o.frameBase) : '',
    item.head ? side(projectId, 'head', item.head, null, now, o.frameBase) : '',
  ];
  const codeBlock =
    code === undefined
      ? ''
      : html`<section class="code-diff"><h3>Code ${item.code_changed === false ? html`<small>unchanged</small>` : item.code_changed ? html`<small>changed</small>` : ''}</h3>${code ?? html`<p class="note">No code was published with ${item.base && item.head ? 'these plots' : 'this plot'}.</p>`}</section>`;
  const anchor = itemAnchor(item);
  return html`<article class="review-item state-${item.state}" id="${anchor}" data-title="${item.title}">
<header><h2>${item.title}${item.collection ? html` <small>${item.collection}</small>` : ''}</h2>
<span class="badge state">${STATE_LABEL[item.state]}</span>
<p class="score">${scoreLine(item)}</p>
${item.needs_review ? html`<p class="review-state">${decisionLine(item.review, now)}</p>` : ''}
${item.needs_review && o.form ? buttons(o.form, item) : ''}</header>
<div class="compare">${sides}</div>
${diffImage(item)}
${codeBlock}
</article>`;
}

export interface ReviewPageOptions {
  projectId: string;
  comparison: Comparison;
  /** Code diff panels by itemKey, for the items that show one (changed, removed, new). */
  codeDiffs: Map<string, SafeHtml | null>;
  /** Present when the session may review (publisher or admin): the buttons are shown. */
  form: ReviewForm | null;
  /** A message after a POST, e.g. "Approved 2 plots." */
  notice?: string;
  /** Where the sandboxed plot frames load from: interactive and PDF plots are drawn live. */
  frameBase: string;
  now: Date;
}

/** The items the page shows side by side (changed, removed, new; unchanged ones are listed). */
const shownItems = (c: Comparison) =>
  (['changed', 'removed', 'new'] as const).flatMap((s) => c.items.filter((i) => i.state === s));

/** Whether the page draws a plot live, so its CSP must let frames in from the frame origin. */
export const reviewDrawsLive = (c: Comparison) =>
  shownItems(c).some((i) => (i.base && isLive(i.base)) || (i.head && isLive(i.head)));

/** The review page's body. */
export function reviewPage(o: ReviewPageOptions): SafeHtml {
  const c = o.comparison;
  const byState = (s: ComparisonState) => c.items.filter((i) => i.state === s);
  const shown = shownItems(c);
  const unchanged = byState('unchanged');
  const pending = c.items.filter((i) => i.needs_review);
  const s = c.summary;
  return html`<p class="crumbs"><a href="/projects/${o.projectId}">← all snapshots</a></p>
<h1>Review <small>${c.pr_number ? `PR #${c.pr_number} · ` : ''}head <code>${shortSha(c.head_sha)}</code>${c.base_sha ? html` against <code>${shortSha(c.base_sha)}</code>` : html` against <code>${c.base_branch}</code>`}</small></h1>
<section class="review-head">
<dl class="metadata">
<dt>Head</dt><dd><code title="${c.head_sha}">${shortSha(c.head_sha)}</code></dd>
<dt>Base</dt><dd>${c.base_sha ? html`<code title="${c.base_sha}">${shortSha(c.base_sha)}</code> (merge base), ` : ''}branch <code>${c.base_branch}</code></dd>
<dt>Baseline</dt><dd>${baselineRules(c)}</dd>
<dt>Plots</dt><dd class="summary">${summaryLine(c)}${c.complete ? '' : html` <small>(publishing not declared done: removed plots are not listed yet)</small>`}</dd>
<dt>Reviews</dt><dd>${pending.length ? `${s.approved} approved, ${s.changes_requested} changes requested, ${s.unreviewed} not reviewed` : 'nothing needs review'}</dd>
<dt>Status</dt><dd><span class="badge status status-${c.status}">${c.status}</span> ${STATUS_NOTE[c.status]}</dd>
</dl>
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
${o.form && pending.length ? buttons(o.form, null) : ''}
${!o.form && pending.length ? html`<p class="note">Approving needs the publisher role in this project; this session can only read.</p>` : ''}
</section>
${shown.length ? shown.map((i) => itemSection(o, i, o.codeDiffs.get(itemKey(i)))) : html`<p class="empty">No plot changed against the baseline.</p>`}
${unchanged.length ? html`<details class="unchanged"><summary>${unchanged.length} unchanged plot${unchanged.length === 1 ? '' : 's'}</summary><ul>${unchanged.map((i) => html`<li>${i.head ? html`<a href="/projects/${o.projectId}/snapshots/${i.head.id}">${i.title}</a>` : i.title}${i.collection ? html` <small>${i.collection}</small>` : ''} <small>${scoreLine(i)}</small></li>`)}</ul></details>` : ''}`;
}
