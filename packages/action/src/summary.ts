/**
 * The job summary (GITHUB_STEP_SUMMARY) as one HTML fragment, built as a pure function so it
 * can be tested by reading the string; run() hands it to core.summary.
 */
import { baseContentType, INLINE_IMAGE_TYPES, type Snapshot } from '@snapshotplot/api-client';
import { isBrowserLoadable } from '@snapshotplot/core';
import type { MappedContext } from './context.js';

export interface PublishedSnapshot {
  snapshot: Snapshot;
  url: string;
}

export interface PlannedSnapshot {
  title: string;
  plot?: { path: string; size: number; contentType: string };
  code?: { path: string; size: number; contentType: string };
}

export interface FailedSnapshot {
  title: string;
  message: string;
}

/** HTML-escapes text and attribute values. */
export function esc(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const link = (href: string | undefined | null, text: string) =>
  href ? `<a href="${esc(href)}">${esc(text)}</a>` : esc(text);

// Shared with the PR comment's thumbnails (@snapshotplot/core).
export { isBrowserLoadable };

/** The plot as an inline image when it is an image the browser can load, else undefined. */
function inlinePlot(s: Snapshot, width: number): string | undefined {
  const type = s.files.plot ? baseContentType(s.files.plot.content_type) : undefined;
  if (!type || !INLINE_IMAGE_TYPES.has(type) || !isBrowserLoadable(s.plot_url)) return undefined;
  return `<img src="${esc(s.plot_url)}" alt="${esc(s.title)}" width="${width}">`;
}

function contextRows(ctx: MappedContext, s?: Snapshot): Array<[string, string]> {
  const { git, links } = ctx;
  const rows: Array<[string, string]> = [];
  if (s) rows.push(['Project', esc(s.project_id)]);
  if (s?.collection) rows.push(['Collection', esc(s.collection)]);
  if (git.repo_owner && git.repo_name)
    rows.push(['Repository', esc(`${git.repo_owner}/${git.repo_name}`)]);
  if (git.commit_sha) rows.push(['Commit', link(links.commitUrl, git.commit_sha.slice(0, 7))]);
  if (git.branch) rows.push(['Branch', `<code>${esc(git.branch)}</code>`]);
  if (git.pr_number) rows.push(['Pull request', link(links.prUrl, `#${git.pr_number}`)]);
  if (s?.author) rows.push(['Author', esc(s.author)]);
  if (s && s.tags.length > 0)
    rows.push(['Tags', s.tags.map((t) => `<code>${esc(t)}</code>`).join(' ')]);
  if (git.ci.run_id) {
    const attempt =
      git.ci.run_attempt && git.ci.run_attempt > 1 ? ` (attempt ${git.ci.run_attempt})` : '';
    const job = ctx.job ? ` · job ${esc(ctx.job)}` : '';
    rows.push([
      'Run',
      `${link(links.runUrl, `${git.ci.workflow ?? 'run'} #${git.ci.run_id}`)}${esc(attempt)}${job}`,
    ]);
  }
  if (links.sourceRunUrl)
    rows.push(['Triggered by', link(links.sourceRunUrl, 'the workflow run that made the plots')]);
  return rows;
}

const table = (rows: Array<[string, string]>) =>
  `<table>\n${rows.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${v}</td></tr>`).join('\n')}\n</table>`;

/** Summary of one published snapshot: title, plot inline when loadable, metadata table, links. */
export function singleSummary(p: PublishedSnapshot, ctx: MappedContext): string {
  const s = p.snapshot;
  const parts = [`<h3>Plot snapshot: ${esc(s.title)}</h3>`];
  const img = inlinePlot(s, 720);
  if (img) parts.push(`<p><a href="${esc(p.url)}">${img}</a></p>`);
  if (s.description) parts.push(`<p>${esc(s.description)}</p>`);
  parts.push(table(contextRows(ctx, s)));
  const links = [link(p.url, 'Open snapshot')];
  if (s.plot_url) links.push(link(s.plot_url, 'Plot'));
  if (s.code_url) links.push(link(s.code_url, 'Code'));
  if (ctx.links.commitUrl) links.push(link(ctx.links.commitUrl, 'Commit'));
  if (ctx.links.prUrl) links.push(link(ctx.links.prUrl, 'Pull request'));
  parts.push(`<p>${links.join(' · ')}</p>`);
  return `${parts.join('\n')}\n`;
}

/** Summary of a batch: shared metadata once, then one row with a thumbnail per snapshot. */
export function batchSummary(
  published: PublishedSnapshot[],
  failed: FailedSnapshot[],
  ctx: MappedContext,
): string {
  const total = published.length + failed.length;
  const parts = [`<h3>Plot snapshots: ${published.length} of ${total} published</h3>`];
  parts.push(table(contextRows(ctx, published[0]?.snapshot).filter(([k]) => k !== 'Author')));
  const rows = published.map(({ snapshot: s, url }) => {
    const thumb = inlinePlot(s, 240) ?? (s.plot_url ? link(s.plot_url, 'plot') : '');
    const code = s.code_url ? link(s.code_url, 'code') : '';
    return `<tr><td>${thumb}</td><td>${link(url, s.title)}</td><td><code>${esc(s.id)}</code></td><td>${code}</td></tr>`;
  });
  for (const f of failed) {
    rows.push(
      `<tr><td></td><td>${esc(f.title)}</td><td colspan="2">failed: ${esc(f.message)}</td></tr>`,
    );
  }
  parts.push(
    `<table>\n<tr><th>Plot</th><th>Title</th><th>Snapshot</th><th>Code</th></tr>\n${rows.join('\n')}\n</table>`,
  );
  return `${parts.join('\n')}\n`;
}

/** Summary of a dry run: what would be published, nothing contacted. */
export function dryRunSummary(planned: PlannedSnapshot[], ctx: MappedContext): string {
  const fmt = (f?: { path: string; size: number; contentType: string }) =>
    f ? `<code>${esc(f.path)}</code> (${esc(f.contentType)}, ${f.size} bytes)` : '';
  const rows = planned.map(
    (p) => `<tr><td>${esc(p.title)}</td><td>${fmt(p.plot)}</td><td>${fmt(p.code)}</td></tr>`,
  );
  return [
    `<h3>Plot snapshots (dry run): ${planned.length} would be published</h3>`,
    table(contextRows(ctx)),
    `<table>\n<tr><th>Title</th><th>Plot</th><th>Code</th></tr>\n${rows.join('\n')}\n</table>`,
    '',
  ].join('\n');
}
