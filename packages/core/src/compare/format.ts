/**
 * The comparison as the clients show it: the markdown for the pull request comment and the job
 * summary (the action), a plain-text table for terminals (the CLI), the hidden marker the action
 * finds its comment by, and the exit decision both clients share (`--fail-on-change`).
 */
import type { Comparison, ComparisonItem } from '@snapshotplot/api-client';

/** The hidden first line of the PR comment; one comment per project and pull request. */
export function commentMarker(projectId: string): string {
  return `<!-- snapshotplot:comment project=${projectId} -->`;
}

/** Whether a comment body is the one this project's marker identifies. */
export function isOurComment(body: string | null | undefined, projectId: string): boolean {
  return typeof body === 'string' && body.includes(commentMarker(projectId));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 plots changed, 1 new, 8 unchanged" (zero counts left out; "No plots" when empty). */
export function headline(c: Comparison): string {
  const s = c.summary;
  const total = s.changed + s.new + s.removed + s.unchanged;
  if (total === 0) return 'No plots to compare';
  const parts: string[] = [];
  const lead = (n: number, word: string) =>
    parts.length === 0 ? `${plural(n, 'plot')} ${word}` : `${n} ${word}`;
  if (s.changed) parts.push(lead(s.changed, 'changed'));
  if (s.new) parts.push(lead(s.new, 'new'));
  if (s.removed) parts.push(lead(s.removed, 'removed'));
  if (s.unchanged) parts.push(lead(s.unchanged, 'unchanged'));
  return parts.join(', ');
}

/** How much an item changed, in words: "0.42% of pixels (1,234)", "size changed", "code only". */
export function changeAmount(item: ComparisonItem): string {
  const d = item.diff;
  if (item.state === 'new' || item.state === 'removed') return '';
  if (!d) return item.state === 'unchanged' ? 'identical' : '';
  if (!d.compared) {
    const why: Record<string, string> = {
      size_changed: 'size changed',
      too_large: 'not compared (too large)',
      timeout: 'not compared (timed out)',
      decode_failed: 'not compared (unreadable image)',
      not_raster: 'file differs',
    };
    return why[d.reason ?? ''] ?? 'not compared';
  }
  if (d.method === 'hash') return item.state === 'unchanged' ? 'identical' : 'file differs';
  if (d.ratio === null || d.changed_pixels === null) return '';
  if (d.changed_pixels === 0) return 'identical';
  const pct = d.ratio * 100;
  const shown = pct < 0.01 ? '<0.01' : pct.toFixed(pct < 1 ? 2 : 1);
  return `${shown}% of pixels (${d.changed_pixels.toLocaleString('en-US')})`;
}

/** The state column: the state, and for items needing review, the decision. */
export function stateLabel(item: ComparisonItem): string {
  if (!item.needs_review) return item.state;
  if (!item.review) return `${item.state}, unreviewed`;
  return `${item.state}, ${item.review.decision === 'approved' ? 'approved' : 'changes requested'} by ${item.review.reviewer}`;
}

// A runner-local or private address means the browser reading the summary cannot fetch it.
const PRIVATE_HOST =
  /^(localhost|.*\.localhost|.*\.local|.*\.internal|127\.\d+\.\d+\.\d+|0\.0\.0\.0|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|\[::1?\]|\[f[cd][0-9a-f]*:.*\])$/i;

/** Whether a browser viewing the summary or comment on GitHub can load this URL (public http(s) host). */
export function isBrowserLoadable(url: string | null | undefined): url is string {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  return !PRIVATE_HOST.test(parsed.hostname);
}

/** Escapes text for a markdown table cell (and for the HTML GitHub allows there). */
export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

const link = (label: string, url: string | null | undefined) =>
  url ? `[${label}](${url.replace(/\)/g, '%29')})` : '';

const STATE_EMOJI: Record<string, string> = {
  changed: '🟠',
  removed: '🔴',
  new: '🆕',
  unchanged: '✅',
};

export interface MarkdownOptions {
  /** Thumbnails of head plots (when GitHub can load the plot URL: a public http(s) host). Default true. */
  thumbnails?: boolean;
  /** Unchanged rows listed in a collapsed section instead of the table. Default true. */
  collapseUnchanged?: boolean;
  /** A heading line; default "snapshotplot". */
  title?: string;
}

function markdownRows(items: ComparisonItem[], thumbnails: boolean): string[] {
  const rows = ['| | Plot | Collection | State | Change | Links |', '|---|---|---|---|---|---|'];
  for (const item of items) {
    // The head's plot; a removed item shows its baseline.
    const plotUrl = item.head ? item.head.plot_url : (item.base?.plot_url ?? null);
    const thumb =
      thumbnails && isBrowserLoadable(plotUrl)
        ? `<img src="${cell(plotUrl)}" alt="${cell(item.title)}" width="120">`
        : (STATE_EMOJI[item.state] ?? '');
    const links = [
      link('plot', item.head?.web_url ?? item.head?.plot_url),
      link('baseline', item.base?.web_url ?? item.base?.plot_url),
      link('diff', item.diff?.diff_url),
    ]
      .filter(Boolean)
      .join(' · ');
    const code = item.code_changed ? ' (code changed)' : '';
    rows.push(
      `| ${thumb} | ${cell(item.title)} | ${cell(item.collection ?? '')} | ${cell(stateLabel(item))} | ${cell(changeAmount(item))}${code} | ${links} |`,
    );
  }
  return rows;
}

/** The PR comment and job summary: marker, headline, status, the table and the review link. */
export function comparisonMarkdown(c: Comparison, o: MarkdownOptions = {}): string {
  const thumbnails = o.thumbnails ?? true;
  const collapse = o.collapseUnchanged ?? true;
  const lines = [commentMarker(c.project_id), `### ${cell(o.title ?? 'snapshotplot')}`, ''];
  const statusWord = { success: '✅ success', pending: '🟡 pending', failure: '❌ failure' }[
    c.status
  ];
  lines.push(`**${headline(c)}** · status: ${statusWord}`);
  const s = c.summary;
  if (s.approved + s.changes_requested + s.unreviewed > 0) {
    lines.push(
      '',
      `Review: ${s.approved} approved, ${s.changes_requested} changes requested, ${s.unreviewed} unreviewed.`,
    );
  }
  const base = c.base_sha
    ? `\`${c.base_sha.slice(0, 12)}\` (merge base)`
    : `branch \`${cell(c.base_branch)}\``;
  lines.push('', `Head \`${c.head_sha.slice(0, 12)}\` against ${base}.`);
  if (!c.complete)
    lines.push('', '_Publishing not declared complete: removed plots are not listed._');
  if (c.review_url) lines.push('', `**[Review the changes](${c.review_url})**`);
  const main = collapse ? c.items.filter((i) => i.state !== 'unchanged') : c.items;
  const unchanged = collapse ? c.items.filter((i) => i.state === 'unchanged') : [];
  if (main.length > 0) lines.push('', ...markdownRows(main, thumbnails));
  if (unchanged.length > 0) {
    lines.push(
      '',
      `<details><summary>${plural(unchanged.length, 'unchanged plot')}</summary>`,
      '',
      ...markdownRows(unchanged, false),
      '',
      '</details>',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Columns padded to width; no colour, for terminals and logs. */
export function comparisonText(c: Comparison): string {
  const header = ['STATE', 'COLLECTION', 'TITLE', 'CHANGE', 'REVIEW'];
  const rows = c.items.map((i) => [
    i.state,
    i.collection ?? '-',
    i.title,
    changeAmount(i) + (i.code_changed ? ' (code changed)' : ''),
    i.needs_review
      ? i.review
        ? `${i.review.decision === 'approved' ? 'approved' : 'changes requested'} (${i.review.reviewer})`
        : 'unreviewed'
      : '',
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((v, k) => v.padEnd(widths[k] ?? 0))
      .join('  ')
      .trimEnd();
  const base = c.base_sha ? `${c.base_sha.slice(0, 12)} (merge base)` : `branch ${c.base_branch}`;
  const out = [
    `${headline(c)}; status ${c.status}.`,
    `Head ${c.head_sha.slice(0, 12)} against ${base}.`,
  ];
  if (rows.length > 0) out.push('', fmt(header), ...rows.map(fmt));
  if (c.review_url) out.push('', `Review: ${c.review_url}`);
  return `${out.join('\n')}\n`;
}

/**
 * Whether the comparison has changes nobody approved (changed or removed items that are not
 * approved; a `new` plot never holds the status). This is what `--fail-on-change` fails on.
 */
export function hasUnapprovedChanges(c: Comparison): boolean {
  return c.items.some((i) => i.needs_review && i.review?.decision !== 'approved');
}

/** The clients' exit decision: fail only when asked to and something is not approved. */
export function shouldFail(c: Comparison, failOnChange: boolean): boolean {
  return failOnChange && hasUnapprovedChanges(c);
}
