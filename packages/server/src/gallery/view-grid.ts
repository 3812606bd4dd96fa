/** The project page: filters, the grid of snapshot cards, and the "Older" link. */
import {
  baseContentType,
  INLINE_IMAGE_TYPES,
  type Snapshot,
} from '@snapshotplot/api-client/contract';
import { thumbnailUrl } from '../thumbnails/routes.js';
import { ago, html, queryString, type SafeHtml, safeUrl } from './html.js';

/** The grid's filters, named as in the list API so a gallery URL reads like an API query. */
export interface GridFilters {
  collection?: string;
  branch?: string;
  pr_number?: number;
  tag?: string;
  author?: string;
  q?: string;
}

const TILE_LABELS: Record<string, string> = {
  'application/pdf': 'PDF',
  'text/html': 'HTML',
  'application/json': 'JSON',
  'application/vnd.vega.v5+json': 'Vega',
  'application/vnd.vegalite.v5+json': 'Vega-Lite',
  'application/vnd.plotly.v1+json': 'Plotly',
};

/** Whether a plot can be shown as an <img> (SVG included: an <img> never runs its script). */
export const isImage = (s: Snapshot) =>
  !!s.files.plot && INLINE_IMAGE_TYPES.has(s.files.plot.content_type);
/** Raster plots, for which the compare page offers a difference overlay. */
export const isRaster = (s: Snapshot) =>
  isImage(s) && s.files.plot?.content_type !== 'image/svg+xml';

/** The plot's kind as a reader names it ("Vega-Lite", "PDF"), for tiles, badges and alt text. */
export function kindLabel(s: Snapshot): string | null {
  const type = s.files.plot ? baseContentType(s.files.plot.content_type) : null;
  return type ? (TILE_LABELS[type] ?? type) : null;
}

/**
 * The plot large, as an image (the snapshot, compare and review pages when it is not drawn
 * live), or a labelled tile for kinds an <img> cannot show.
 */
export function plotThumb(s: Snapshot, o: { large?: boolean } = {}): SafeHtml {
  if (isImage(s) && s.plot_url) {
    if (o.large) {
      return html`<img src="${safeUrl(s.plot_url)}" alt="${s.title}" decoding="async">`;
    }
    const src = thumbnailUrl(s.id, s.plot_url) ?? s.plot_url;
    return html`<img src="${safeUrl(src)}" alt="${s.title}" loading="lazy" decoding="async">`;
  }
  const label = kindLabel(s) ?? 'code only';
  return html`<div class="tile"><span>${label}</span><small>${s.files.plot ? 'open or download below' : 'no plot'}</small></div>`;
}

/** What a card's badge and alt text say of a plot that is not a plain image. */
function kindNote(s: Snapshot): { badge: string; alt: string } | null {
  if (isImage(s)) return null;
  const label = kindLabel(s)!;
  if (label === 'PDF') return { badge: 'PDF', alt: `${s.title} (PDF, first page)` };
  // Vega and Vega-Lite cards show the server's drawing, Plotly and HTML a typed placeholder;
  // all of them are drawn live (hover, zoom) on the snapshot page.
  return {
    badge: `${label} · interactive`,
    alt: `${s.title} (${label} chart, interactive when opened)`,
  };
}

/**
 * A grid card's picture: the stored thumbnail (thumbnails/) for every plot type — an image
 * resized, a Vega/Vega-Lite chart or a PDF's first page drawn by the server, the typed
 * placeholder for Plotly and HTML — with a badge naming the kind when it is not a plain image.
 * width/height reserve the 16:10 box before the WebP arrives, so the grid does not jump.
 */
export function cardThumb(s: Snapshot): SafeHtml {
  const src = s.files.plot ? thumbnailUrl(s.id, s.plot_url) : null;
  if (!src) return plotThumb(s);
  const note = kindNote(s);
  return html`<img src="${safeUrl(src)}" alt="${note?.alt ?? s.title}" width="480" height="300" loading="lazy" decoding="async">${note ? html`<span class="kind-badge">${note.badge}</span>` : ''}`;
}

/** Short commit label. */
export const shortSha = (sha: string | null) => (sha ? sha.slice(0, 7) : null);

/** The grid's two views: the newest version of each plot (default), or every version. */
export type GridView = 'latest' | 'all';

/** A plot's key on a card (data-plot), so a live new version can replace its plot's card. */
export const plotKey = (s: Pick<Snapshot, 'collection' | 'title'>) =>
  JSON.stringify([s.collection ?? null, s.title]);

/**
 * One card of the grid (also served alone for live updates). `versions`, in the latest view,
 * is how many versions of the plot the filters pick; it links to the plot's history.
 */
export function card(
  projectId: string,
  s: Snapshot,
  now: Date,
  isNew = false,
  versions?: number,
): SafeHtml {
  // The place (collection, branch) may be cut with an ellipsis; the commit and PR never are.
  const place = [s.collection, s.branch].filter(Boolean).join(' · ');
  const ref = [shortSha(s.commit_sha), s.pr_number ? `#${s.pr_number}` : null]
    .filter(Boolean)
    .join(' · ');
  const count =
    versions === undefined
      ? ''
      : html`<span class="sub versions">${versions === 1 ? '1 version' : `${versions} versions`}</span>`;
  return html`<a class="card${isNew ? ' new' : ''}" data-id="${s.id}" data-plot="${plotKey(s)}" href="/projects/${projectId}/snapshots/${s.id}">
<div class="thumb">${cardThumb(s)}</div>
<div class="meta"><strong>${s.title}</strong>${isNew ? html`<span class="badge">new</span>` : ''}
<span class="sub refs">${place ? html`<span class="place" title="${place}">${place}</span>` : ''}${place && ref ? html`<span class="sep"> · </span>` : ''}${ref ? html`<span class="ref">${ref}</span>` : ''}</span>
<span class="sub">${s.author ? `${s.author} · ` : ''}<time datetime="${s.created_at}">${ago(s.created_at, now)}</time></span>${count}</div>
</a>`;
}

/** Whether a snapshot passes the grid's filters (live updates must respect the current view). */
export function matches(s: Snapshot, f: GridFilters): boolean {
  if (f.collection !== undefined && s.collection !== f.collection) return false;
  if (f.branch !== undefined && s.branch !== f.branch) return false;
  if (f.pr_number !== undefined && s.pr_number !== f.pr_number) return false;
  if (f.tag !== undefined && !s.tags.includes(f.tag)) return false;
  if (f.author !== undefined && s.author !== f.author) return false;
  if (f.q !== undefined) {
    const q = f.q.toLowerCase();
    const hay = `${s.title}\n${s.description ?? ''}`.toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

/** The filter form; every field is a GET parameter, so a filtered view is a shareable URL. */
function filterForm(
  projectId: string,
  f: GridFilters,
  collections: string[],
  view: GridView,
): SafeHtml {
  const input = (name: keyof GridFilters, label: string, type = 'text') =>
    html`<label>${label}<input type="${type}" name="${name}" value="${f[name] ?? ''}" ${type === 'number' ? 'min="1"' : ''}></label>`;
  const active = Object.values(f).filter((v) => v !== undefined).length;
  // A details box so a phone can fold it (the script folds it there when no filter is set).
  return html`<details class="filter-box" open ${active ? '' : html`data-fold`}><summary>Filters${active ? ` (${active})` : ''}</summary><form class="filters" method="get" action="/projects/${projectId}">
<label class="grow">Search<input type="search" name="q" value="${f.q ?? ''}" placeholder="title or description"></label>
<label>Collection<select name="collection"><option value="">all</option>${collections.map(
    (c) => html`<option value="${c}" ${c === f.collection ? 'selected' : ''}>${c}</option>`,
  )}</select></label>
${input('branch', 'Branch')}${input('pr_number', 'PR', 'number')}${input('tag', 'Tag')}${input('author', 'Author')}
${view === 'all' ? html`<input type="hidden" name="view" value="all">` : ''}<div class="actions"><button type="submit">Filter</button><a href="/projects/${projectId}${view === 'all' ? '?view=all' : ''}">Clear</a></div>
</form></details>`;
}

/** The switch between the two views; each keeps the filters (a shareable GET URL). */
function viewSwitch(projectId: string, f: GridFilters, view: GridView): SafeHtml {
  const link = (v: GridView, label: string) =>
    v === view
      ? html`<a class="on" aria-current="page" href="/projects/${projectId}${queryString({ ...f, view: v === 'all' ? 'all' : undefined })}">${label}</a>`
      : html`<a href="/projects/${projectId}${queryString({ ...f, view: v === 'all' ? 'all' : undefined })}">${label}</a>`;
  return html`<nav class="view-switch" aria-label="View">${link('latest', 'Latest per plot')}${link('all', 'All versions')}</nav>`;
}

/** The project page's body. */
export function gridPage(o: {
  projectId: string;
  projectName: string;
  filters: GridFilters;
  collections: string[];
  snapshots: Snapshot[];
  /** The latest view: versions per snapshot id (absent in the all-versions view). */
  versions?: Map<string, number>;
  view: GridView;
  nextCursor: string | null;
  isFirstPage: boolean;
  now: Date;
  error?: string;
}): SafeHtml {
  const { projectId, filters, view } = o;
  const keep = { ...filters, view: view === 'all' ? 'all' : undefined };
  const older = o.nextCursor
    ? html`<a class="button" rel="next" href="/projects/${projectId}${queryString({ ...keep, cursor: o.nextCursor })}">Older</a>`
    : '';
  const newest = o.isFirstPage
    ? ''
    : html`<a class="button" href="/projects/${projectId}${queryString(keep)}">Newest</a>`;
  const empty = o.snapshots.length
    ? ''
    : html`<p class="empty">No snapshots ${Object.keys(filters).length ? 'match these filters' : 'yet: publish one with the snapshotplot CLI'}.</p>`;
  return html`<h1>${o.projectName}</h1>
${filterForm(projectId, filters, o.collections, view)}
${viewSwitch(projectId, filters, view)}
${o.error ? html`<p class="error">${o.error}</p>` : ''}
${empty}
<div class="grid" id="grid" data-view="${view}" ${o.isFirstPage ? html`data-live="/api/projects/${projectId}/events" data-card="/projects/${projectId}/cards/"` : ''}>
${o.snapshots.map((s) => card(projectId, s, o.now, false, o.versions?.get(s.id)))}
</div>
<nav class="pager">${newest}${older}</nav>`;
}
