// The review page as a pure view over hand-made Comparison objects (the contract's schema
// checks every fixture): order, summary, scores, decisions, buttons only for publishers,
// escaping. The page served by a real server is in gallery-review.browser.test.ts.
import {
  type Comparison,
  type ComparisonItem,
  ComparisonSchema,
  type Snapshot,
} from '@snapshotplot/api-client/contract';
import { describe, expect, it } from 'vitest';
import { html } from '../src/gallery/html.js';
import {
  itemKey,
  reviewDrawsLive,
  reviewPage,
  reviewPath,
  scoreLine,
  summaryLine,
} from '../src/gallery/view-review.js';

const HEAD = 'e4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3';
const BASE = '8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c92';
const NOW = new Date('2026-12-02T12:00:00Z');
let n = 0;

function snap(title: string, commit: string, type = 'image/png'): Snapshot {
  n++;
  const id = `snap_${String(n).padStart(8, '0')}`;
  const sha = String(n).padStart(64, 'a');
  return {
    id,
    project_id: 'prj_demo',
    collection_id: 'col_demo',
    collection: 'demo',
    title,
    author: 'Ada',
    description: null,
    tags: [],
    repo_owner: null,
    repo_name: null,
    commit_sha: commit,
    branch: commit === HEAD ? 'feature/smoothing' : 'main',
    pr_number: commit === HEAD ? 1 : null,
    ci: null,
    status: 'ready',
    artifacts: { plot: true, code: true },
    files: {
      plot: { kind: 'plot', content_type: type, size: 100, sha256: sha },
      code: {
        kind: 'code',
        content_type: 'text/javascript',
        size: 10,
        sha256: sha.replace(/a/g, 'b'),
      },
    },
    plot_url: `https://plots.example/${id}.png?sig=1`,
    code_url: null,
    supersedes: null,
    created_at: '2026-12-02T11:57:00Z',
    finalized_at: '2026-12-02T11:57:00Z',
  };
}

function item(
  title: string,
  state: ComparisonItem['state'],
  extra: Partial<ComparisonItem> = {},
): ComparisonItem {
  const needs = state === 'changed' || state === 'removed';
  return {
    collection: 'demo',
    title,
    state,
    head: state === 'removed' ? null : snap(title, HEAD),
    base: state === 'new' ? null : snap(title, BASE),
    baseline_rule: state === 'new' ? 'none' : 'merge_base',
    diff:
      state === 'changed'
        ? {
            method: 'pixels',
            compared: true,
            reason: null,
            width: 384,
            height: 384,
            changed_pixels: 1234,
            ratio: 1234 / (384 * 384),
            tolerance: 0.001,
            diff_url: `https://plots.example/diff-${title}.png?sig=2`,
          }
        : null,
    code_changed: state === 'changed' ? true : state === 'unchanged' ? false : null,
    needs_review: needs,
    review: null,
    ...extra,
  };
}

function comparison(items: ComparisonItem[], extra: Partial<Comparison> = {}): Comparison {
  const count = (s: ComparisonItem['state']) => items.filter((i) => i.state === s).length;
  const review = items.filter((i) => i.needs_review);
  const c: Comparison = {
    project_id: 'prj_demo',
    head_sha: HEAD,
    base_sha: BASE,
    base_branch: 'main',
    pr_number: 1,
    complete: true,
    status: 'pending',
    description: 'described by the server',
    summary: {
      changed: count('changed'),
      new: count('new'),
      removed: count('removed'),
      unchanged: count('unchanged'),
      approved: review.filter((i) => i.review?.decision === 'approved').length,
      changes_requested: review.filter((i) => i.review?.decision === 'changes_requested').length,
      unreviewed: review.filter((i) => !i.review).length,
    },
    items,
    review_url: `https://gallery.example${reviewPath('prj_demo', { head_sha: HEAD, base_sha: BASE, base_branch: 'main' })}`,
    ...extra,
  };
  return ComparisonSchema.parse(c);
}

const render = (
  c: Comparison,
  o: { reviewer?: boolean; codeDiffs?: Map<string, ReturnType<typeof html>> } = {},
) =>
  reviewPage({
    projectId: 'prj_demo',
    comparison: c,
    codeDiffs: o.codeDiffs ?? new Map(),
    form: o.reviewer ? { projectId: 'prj_demo', comparison: c, csrf: 'csrf-token-1' } : null,
    frameBase: 'https://frames.example',
    now: NOW,
  }).value;

describe('review page view', () => {
  const items = [
    item('loss-curve', 'changed'),
    item('old-plot', 'removed'),
    item('attention-heatmap', 'changed'),
    item('embedding-scatter', 'unchanged'),
    item('fresh', 'new'),
    item('accuracy', 'unchanged'),
  ];

  it('lists changed, removed, new, then unchanged collapsed, with the summary line', () => {
    const c = comparison(items);
    const page = render(c);
    const order = [
      ...page.matchAll(/<article class="review-item state-(\w+)"[^>]*data-title="([^"]+)"/g),
    ].map((m) => `${m[1]}:${m[2]}`);
    expect(order).toEqual([
      'changed:loss-curve',
      'changed:attention-heatmap',
      'removed:old-plot',
      'new:fresh',
    ]);
    expect(summaryLine(c)).toBe('2 changed, 1 removed, 1 new, 2 unchanged');
    expect(page).toContain('2 changed, 1 removed, 1 new, 2 unchanged');
    expect(page).toMatch(
      /<details class="unchanged"><summary>2 unchanged plots<\/summary>.*embedding-scatter.*accuracy/s,
    );
    expect(page).not.toMatch(/<details class="unchanged" open/);
    expect(page).toContain('at the merge base 8c1d2e3');
    expect(page).toContain('status-pending');
  });

  it('shows both sides, the difference image and the score of a changed plot', () => {
    const page = render(comparison(items));
    const section = page.slice(
      page.indexOf('data-title="loss-curve"'),
      page.indexOf('data-title="attention-heatmap"'),
    );
    expect(section.match(/<section class="side">/g)).toHaveLength(2);
    expect(section).toContain('<span class="ab">baseline</span>');
    expect(section).toContain('<span class="ab">head</span>');
    expect(section).toContain('src="https://plots.example/diff-loss-curve.png?sig=2"');
    expect(section).toContain('1,234 pixels changed (0.84% of 384×384); tolerance 0.1%');
  });

  it('draws a changed Vega-Lite pair live in sandboxed frames; images stay images', () => {
    const vl = (commit: string) => ({
      ...snap('accuracy-chart', commit, 'application/vnd.vegalite.v5+json'),
      plot_url: `https://gallery.example/plots/x?expires=2000000000&sig=${commit.slice(0, 8)}`,
    });
    const live = item('accuracy-chart', 'changed', { base: vl(BASE), head: vl(HEAD), diff: null });
    const c = comparison([live, item('loss-curve', 'changed')]);
    expect(reviewDrawsLive(c)).toBe(true);
    const page = render(c);
    const section = page.slice(
      page.indexOf('data-title="accuracy-chart"'),
      page.indexOf('data-title="loss-curve"'),
    );
    const frames = [
      ...section.matchAll(/<iframe class="plot-frame" sandbox="allow-scripts" src="([^"]+)"/g),
    ];
    expect(frames.map((f) => f[1])).toEqual([
      `https://frames.example/plot-frame/${live.base!.id}?expires=2000000000&amp;sig=${BASE.slice(0, 8)}`,
      `https://frames.example/plot-frame/${live.head!.id}?expires=2000000000&amp;sig=${HEAD.slice(0, 8)}`,
    ]);
    expect(section).not.toContain('class="tile"');
    const images = page.slice(page.indexOf('data-title="loss-curve"'));
    expect(images).not.toContain('<iframe');
    // An unchanged interactive plot is only listed, so it lets no frame in.
    const quiet = comparison([
      item('loss-curve', 'changed'),
      { ...live, state: 'unchanged', needs_review: false },
    ]);
    expect(reviewDrawsLive(quiet)).toBe(false);
  });

  it('says why a pair was not compared', () => {
    const big = item('big', 'changed', {
      diff: {
        method: 'pixels',
        compared: false,
        reason: 'too_large',
        width: null,
        height: null,
        changed_pixels: null,
        ratio: null,
        tolerance: 0,
        diff_url: null,
      },
    });
    expect(scoreLine(big)).toBe('not compared: too large');
    expect(scoreLine(item('x', 'new'))).toBe('new: no baseline to compare with');
    expect(scoreLine(item('x', 'unchanged'))).toBe('identical (same sha256)');
    expect(render(comparison([big]))).not.toContain('class="diff-image"');
  });

  it('puts the code diff under its item', () => {
    const codeDiffs = new Map([[itemKey(items[2]!), html`<pre class="code diff">+smoothed</pre>`]]);
    const page = render(comparison(items), { codeDiffs });
    const heatmap = page.slice(page.indexOf('data-title="attention-heatmap"'));
    expect(heatmap.slice(0, heatmap.indexOf('</article>'))).toContain('+smoothed');
    expect(page.match(/\+smoothed/g)).toHaveLength(1);
  });

  it('shows the buttons with the CSRF token only to reviewers', () => {
    const c = comparison(items);
    const reader = render(c);
    expect(reader).not.toContain('<form class="review-buttons"');
    expect(reader).toContain('needs the publisher role');
    const publisher = render(c, { reviewer: true });
    // One per item needing review (2 changed + 1 removed) and one "Approve all".
    expect(publisher.match(/<form class="review-buttons"/g)).toHaveLength(4);
    expect(publisher.match(/name="csrf" value="csrf-token-1"/g)).toHaveLength(4);
    expect(publisher).toContain('>Approve all<');
    expect(publisher).toContain(`name="head" value="${HEAD}"`);
    expect(publisher).toContain(`name="base" value="${BASE}"`);
    expect(publisher).toContain('name="title" value="loss-curve"');
  });

  it('shows the decision, who and when; its button is disabled', () => {
    const decided = item('loss-curve', 'changed', {
      review: {
        decision: 'approved',
        reviewer: 'Grace Hopper',
        created_at: '2026-12-02T11:55:00Z',
      },
    });
    const page = render(comparison([decided], { status: 'success' }), { reviewer: true });
    expect(page).toMatch(
      /Approved by <strong>Grace Hopper<\/strong>, <time datetime="2026-12-02T11:55:00Z"[^>]*>5 minutes ago/,
    );
    expect(page).toMatch(/value="approved" class="approve" disabled>Approve</);
    expect(page).toContain('status-success');
  });

  it('escapes titles and reviewer names', () => {
    const evil = item('<img src=x onerror=alert(1)>', 'changed', {
      review: {
        decision: 'changes_requested',
        reviewer: '<b>bob</b>',
        created_at: '2026-12-02T11:00:00Z',
      },
    });
    const page = render(comparison([evil]), { reviewer: true });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<b>bob</b>');
    expect(page).toContain('&lt;b&gt;bob&lt;/b&gt;');
  });

  it('says when nothing changed and when removed plots are not known yet', () => {
    const page = render(
      comparison([item('a', 'unchanged')], { complete: false, status: 'success' }),
    );
    expect(page).toContain('No plot changed against the baseline.');
    expect(page).toContain('removed plots are not listed yet');
    expect(page).toContain('nothing needs review');
  });
});
