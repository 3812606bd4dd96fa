/** The snapshot page: the plot large, its code beside it, metadata, links, and its history. */
import type { Snapshot } from '@snapshotplot/api-client/contract';
import {
  CODE_CONTENT_TYPES,
  formatBytes,
  PLOT_CONTENT_TYPES,
} from '@snapshotplot/api-client/contract';
import { thumbnailUrl } from '../thumbnails/routes.js';
import { forgeLinks } from './forge.js';
import { ago, html, type SafeHtml, safeUrl } from './html.js';
import { plotLive } from './plot-frame.js';
import { plotThumb, shortSha } from './view-grid.js';

const fileName = (s: Snapshot, kind: 'plot' | 'code') => {
  const type = s.files[kind]?.content_type ?? '';
  const ext = (kind === 'plot' ? PLOT_CONTENT_TYPES : CODE_CONTENT_TYPES)[type] ?? 'bin';
  const stem = s.title.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || kind;
  return `${stem}.${ext}`;
};

/** Download buttons for the stored artifacts. */
function downloads(s: Snapshot): SafeHtml {
  const button = (kind: 'plot' | 'code', url: string | null) => {
    const f = s.files[kind];
    if (!f || !url) return '';
    return html`<a class="button" href="${safeUrl(url)}" download="${fileName(s, kind)}">Download ${kind} <small>${formatBytes(f.size)}</small></a>`;
  };
  return html`<div class="downloads">${button('plot', s.plot_url)}${button('code', s.code_url)}</div>`;
}

/** The metadata table, with forge links where the repo is known. */
function metadata(s: Snapshot, forgeUrl: string, now: Date): SafeHtml {
  const links = forgeLinks(s, forgeUrl);
  const link = (href: string | undefined, text: string) =>
    href ? html`<a href="${safeUrl(href)}" rel="noopener noreferrer">${text}</a>` : html`${text}`;
  const rows: Array<[string, SafeHtml | string | null]> = [
    ['Collection', s.collection],
    ['Author', s.author],
    [
      'Repository',
      s.repo_owner && s.repo_name ? link(links.repo, `${s.repo_owner}/${s.repo_name}`) : null,
    ],
    ['Commit', s.commit_sha ? link(links.commit, shortSha(s.commit_sha)!) : null],
    ['Branch', s.branch ? link(links.branch, s.branch) : null],
    [
      'Pull request',
      s.pr_number
        ? html`${link(links.pr, `#${s.pr_number}`)}${s.commit_sha ? html` · <a class="review-link" href="/projects/${s.project_id}/review?head=${encodeURIComponent(s.commit_sha)}">review this commit’s plots</a>` : ''}`
        : null,
    ],
    [
      'CI run',
      s.ci
        ? link(links.ci, [s.ci.provider, s.ci.workflow, s.ci.run_id].filter(Boolean).join(' · '))
        : null,
    ],
    [
      'Tags',
      s.tags.length ? html`${s.tags.map((t) => html`<span class="tag">${t}</span> `)}` : null,
    ],
    [
      'Published',
      html`<time datetime="${s.created_at}" title="${s.created_at}">${ago(s.created_at, now)}</time>`,
    ],
    ['Id', html`<code>${s.id}</code>`],
  ];
  return html`<dl class="metadata">${rows
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

/**
 * A version's picture in the history strip: its stored thumbnail for every plot type (a drawn
 * Vega/Vega-Lite chart or PDF first page, a resized image, else the typed placeholder the
 * thumbnailer makes), so versions can be told apart at a glance; a tile when unsigned.
 */
function historyThumb(v: Snapshot): SafeHtml {
  const src = v.files.plot ? thumbnailUrl(v.id, v.plot_url) : null;
  if (!src) return plotThumb(v);
  return html`<img src="${safeUrl(src)}" alt="${v.title}" loading="lazy" decoding="async">`;
}

/** The history timeline with A/B pickers that submit to the compare page. */
function history(projectId: string, current: Snapshot, versions: Snapshot[], now: Date): SafeHtml {
  if (versions.length < 2) {
    return html`<p class="note">This is the only version of “${current.title}” so far. Later publishes with the same title${current.collection ? ' and collection' : ''} show up here.</p>`;
  }
  const idx = versions.findIndex((v) => v.id === current.id);
  const other = versions[idx + 1] ?? versions[idx - 1] ?? versions[0]!;
  return html`<form class="history" method="get" action="/projects/${projectId}/compare">
<ol class="timeline">${versions.map(
    (v) => html`<li class="${v.id === current.id ? 'current' : ''}">
<label class="pick" title="compare as A"><input type="radio" name="a" value="${v.id}" ${v.id === other.id ? 'checked' : ''}> A</label>
<label class="pick" title="compare as B"><input type="radio" name="b" value="${v.id}" ${v.id === current.id ? 'checked' : ''}> B</label>
<a href="/projects/${projectId}/snapshots/${v.id}"><span class="thumb-mini">${historyThumb(v)}</span>
<span><strong>${shortSha(v.commit_sha) ?? v.id.slice(-8)}</strong> ${v.branch ?? ''}<br><small>${ago(v.created_at, now)}${v.author ? ` · ${v.author}` : ''}</small></span></a></li>`,
  )}</ol>
<button type="submit">Compare A and B</button>
</form>`;
}

/** The snapshot page's body. */
export function snapshotPage(o: {
  projectId: string;
  snapshot: Snapshot;
  code: SafeHtml | null;
  versions: Snapshot[];
  forgeUrl: string;
  /** Where the sandboxed plot frames are loaded from (--usercontent-url or the public URL). */
  frameBase: string;
  now: Date;
}): SafeHtml {
  const s = o.snapshot;
  const live = plotLive(s, { frameBase: o.frameBase });
  return html`<p class="crumbs"><a href="/projects/${o.projectId}">← all snapshots</a>${s.collection ? html` · <a href="/projects/${o.projectId}?collection=${encodeURIComponent(s.collection)}">${s.collection}</a>` : ''}</p>
<h1>${s.title}</h1>
${s.description ? html`<p class="description">${s.description}</p>` : ''}
<div class="snapshot">
<section class="plot-panel"><div class="plot${live ? ' live' : ''}">${live ?? plotThumb(s, { large: true })}</div>${downloads(s)}${metadata(s, o.forgeUrl, o.now)}</section>
<section class="code-panel"><h2>Code</h2>${o.code ?? html`<p class="note">No code was published with this plot.</p>`}</section>
</div>
<section class="history-panel"><h2>History <small>same title${s.collection ? ' in this collection' : ''}, newest first</small></h2>${history(o.projectId, s, o.versions, o.now)}</section>`;
}
