import {
  type Comparison,
  type ComparisonItem,
  ComparisonSchema,
  type Snapshot,
} from '@snapshotplot/api-client';
import { describe, expect, it } from 'vitest';
import {
  changeAmount,
  commentMarker,
  comparisonMarkdown,
  comparisonText,
  hasUnapprovedChanges,
  headline,
  isOurComment,
  shouldFail,
} from '../src/index.js';

const P = 'prj_0123456789abcdef';
let n = 0;
function snap(title: string, over: Partial<Snapshot> = {}): Snapshot {
  n++;
  return {
    id: `snp_${String(n).padStart(16, '0')}`,
    project_id: P,
    collection_id: null,
    collection: 'figures',
    title,
    author: null,
    description: null,
    tags: [],
    repo_owner: 'octo-org',
    repo_name: 'plots',
    commit_sha: 'a'.repeat(40),
    branch: 'feature',
    pr_number: 7,
    ci: null,
    status: 'ready',
    artifacts: { plot: true, code: true },
    files: { plot: null, code: null },
    plot_url: `https://plots.example.com/files/${n}.png`,
    code_url: null,
    web_url: `https://plots.example.com/snapshots/${n}`,
    supersedes: null,
    created_at: '2026-12-02T10:00:00.000Z',
    finalized_at: '2026-12-02T10:00:01.000Z',
    ...over,
  };
}

const pixels = (changed: number, w = 200, h = 100) => ({
  method: 'pixels' as const,
  compared: true,
  reason: null,
  width: w,
  height: h,
  changed_pixels: changed,
  ratio: changed / (w * h),
  tolerance: 0,
  diff_url: changed ? 'https://plots.example.com/diff/1.png' : null,
});

function item(title: string, state: ComparisonItem['state'], over: Partial<ComparisonItem> = {}) {
  return {
    collection: 'figures',
    title,
    state,
    head: state === 'removed' ? null : snap(title),
    base: state === 'new' ? null : snap(title, { branch: 'main' }),
    baseline_rule: state === 'new' ? ('none' as const) : ('merge_base' as const),
    diff: state === 'changed' ? pixels(84) : null,
    code_changed: state === 'changed' ? true : null,
    needs_review: state === 'changed' || state === 'removed',
    review: null,
    ...over,
  } satisfies ComparisonItem;
}

function comparison(items: ComparisonItem[], over: Partial<Comparison> = {}): Comparison {
  const count = (s: string) => items.filter((i) => i.state === s).length;
  const review = items.filter((i) => i.needs_review);
  // Parsed by the contract's schema, so a fixture that drifts from it fails here.
  return ComparisonSchema.parse({
    project_id: P,
    head_sha: 'a'.repeat(40),
    base_sha: 'b'.repeat(40),
    base_branch: 'main',
    pr_number: 7,
    complete: true,
    status: review.every((i) => i.review?.decision === 'approved') ? 'success' : 'pending',
    description: 'x',
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
    review_url: 'https://plots.example.com/review/prj/aaaa',
    ...over,
  });
}

const mixed = () =>
  comparison([
    item('Loss | curve', 'changed'),
    item('Accuracy', 'changed', {
      diff: {
        ...pixels(0),
        compared: false,
        reason: 'size_changed',
        changed_pixels: null,
        ratio: null,
      },
    }),
    item('ROC', 'changed', { diff: { ...pixels(1, 1000, 1000) } }),
    item('New one', 'new'),
    ...Array.from({ length: 8 }, (_, k) => item(`Same ${k}`, 'unchanged')),
  ]);

describe('headline', () => {
  it('counts the states, leaving zero counts out', () => {
    expect(headline(mixed())).toBe('3 plots changed, 1 new, 8 unchanged');
    expect(headline(comparison([item('a', 'unchanged')]))).toBe('1 plot unchanged');
    expect(headline(comparison([item('a', 'removed'), item('b', 'unchanged')]))).toBe(
      '1 plot removed, 1 unchanged',
    );
    expect(headline(comparison([]))).toBe('No plots to compare');
  });
});

describe('changeAmount', () => {
  it('says how much changed', () => {
    const c = mixed();
    expect(changeAmount(c.items[0]!)).toBe('0.42% of pixels (84)');
    expect(changeAmount(c.items[1]!)).toBe('size changed');
    expect(changeAmount(c.items[2]!)).toBe('<0.01% of pixels (1)');
    expect(changeAmount(c.items[3]!)).toBe('');
    expect(changeAmount(c.items[4]!)).toBe('identical');
  });
});

describe('comparisonMarkdown', () => {
  it('starts with the marker and lists changed rows with thumbnails and links', () => {
    const md = comparisonMarkdown(mixed());
    expect(md.startsWith(`${commentMarker(P)}\n`)).toBe(true);
    expect(isOurComment(md, P)).toBe(true);
    expect(isOurComment(md, 'prj_other')).toBe(false);
    expect(md).toContain('**3 plots changed, 1 new, 8 unchanged**');
    expect(md).toContain('[Review the changes](https://plots.example.com/review/prj/aaaa)');
    expect(md).toContain('Loss \\| curve');
    expect(md).toMatch(
      /<img src="https:\/\/plots\.example\.com\/files\/\d+\.png" alt="Loss \\\| curve" width="120">/,
    );
    expect(md).toContain('[diff](https://plots.example.com/diff/1.png)');
    expect(md).toContain('changed, unreviewed');
    expect(md).toContain('(code changed)');
    // Unchanged plots are collapsed, without thumbnails.
    expect(md).toContain('<details><summary>8 unchanged plots</summary>');
    const details = md.slice(md.indexOf('<details>'));
    expect(details).not.toContain('<img');
    expect(details).toContain('Same 7');
  });

  it('leaves thumbnails out when the plot URL is not absolute, and escapes titles', () => {
    const c = comparison([
      item('<script>', 'changed', { head: snap('<script>', { plot_url: null, web_url: null }) }),
    ]);
    const md = comparisonMarkdown(c);
    expect(md).not.toContain('<img');
    expect(md).not.toContain('<script>');
    // A runner-local server: GitHub could not load the thumbnail, so there is none.
    const local = comparison([
      item('Loss', 'changed', { head: snap('Loss', { plot_url: 'http://127.0.0.1:8080/p.png' }) }),
    ]);
    expect(comparisonMarkdown(local)).not.toContain('<img');
    expect(md).toContain('&lt;script&gt;');
  });

  it('shows decisions and the missing completeness', () => {
    const c = comparison(
      [
        item('A', 'changed', {
          review: { decision: 'approved', reviewer: 'ada', created_at: '2026-12-02T11:00:00.000Z' },
        }),
      ],
      { complete: false, base_sha: null },
    );
    const md = comparisonMarkdown(c);
    expect(md).toContain('changed, approved by ada');
    expect(md).toContain('Review: 1 approved, 0 changes requested, 0 unreviewed.');
    expect(md).toContain('against branch `main`');
    expect(md).toContain('removed plots are not listed');
  });
});

describe('comparisonText', () => {
  it('prints aligned columns', () => {
    const text = comparisonText(mixed());
    const lines = text.split('\n');
    expect(lines[0]).toBe('3 plots changed, 1 new, 8 unchanged; status pending.');
    const header = lines.find((l) => l.startsWith('STATE'))!;
    const row = lines.find((l) => l.includes('Loss | curve'))!;
    expect(row.indexOf('Loss')).toBe(header.indexOf('TITLE'));
    expect(row).toContain('unreviewed');
    expect(text).toContain('Review: https://plots.example.com/review/prj/aaaa');
    expect(text).not.toContain('\u001b[');
  });
});

describe('exit decision', () => {
  it('fails on unapproved changed or removed items only when asked', () => {
    const c = mixed();
    expect(hasUnapprovedChanges(c)).toBe(true);
    expect(shouldFail(c, true)).toBe(true);
    expect(shouldFail(c, false)).toBe(false);
    const approved = {
      decision: 'approved' as const,
      reviewer: 'ada',
      created_at: '2026-12-02T11:00:00.000Z',
    };
    const ok = comparison([item('A', 'changed', { review: approved }), item('B', 'new')]);
    expect(shouldFail(ok, true)).toBe(false);
    const rejected = comparison([
      item('A', 'removed', { review: { ...approved, decision: 'changes_requested' } }),
    ]);
    expect(shouldFail(rejected, true)).toBe(true);
  });
});
