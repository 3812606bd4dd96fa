/**
 * Two snapshots side by side, and for raster plots a difference overlay. Interactive and PDF
 * plots are drawn live in the same sandboxed frame as on the snapshot page (plot-frame.ts),
 * so two versions of a Vega-Lite or Plotly chart can be hovered and zoomed next to each other.
 */
import type { Snapshot } from '@snapshotplot/api-client/contract';
import { ago, html, type SafeHtml, safeUrl } from './html.js';
import { plotLive } from './plot-frame.js';
import { isRaster, plotThumb, shortSha } from './view-grid.js';

/**
 * One snapshot of a pair: label, commit link, the plot large, its code folded (the review
 * page's too). With `frameBase` (where plot frames load from), an interactive or PDF plot is
 * drawn live in its sandboxed frame; without it, it is the labelled tile.
 */
export function side(
  projectId: string,
  label: string,
  s: Snapshot,
  code: SafeHtml | null,
  now: Date,
  frameBase?: string,
) {
  const live = frameBase === undefined ? null : plotLive(s, { frameBase });
  return html`<section class="side">
<h2><span class="ab">${label}</span> <a href="/projects/${projectId}/snapshots/${s.id}">${shortSha(s.commit_sha) ?? s.id}</a> <small>${s.branch ?? ''} · ${ago(s.created_at, now)}</small></h2>
<div class="plot${live ? ' live' : ''}">${live ?? plotThumb(s, { large: true })}</div>
${code ? html`<details><summary>Code</summary>${code}</details>` : ''}
</section>`;
}

/** The compare page's body. The overlay is revealed by the page script once both images have loaded with equal sizes. */
export function comparePage(o: {
  projectId: string;
  a: Snapshot;
  b: Snapshot;
  codeA: SafeHtml | null;
  codeB: SafeHtml | null;
  /** Where the sandboxed plot frames are loaded from (--usercontent-url or the public URL). */
  frameBase: string;
  now: Date;
}): SafeHtml {
  const { a, b } = o;
  const overlay =
    isRaster(a) && isRaster(b) && a.plot_url && b.plot_url
      ? html`<section class="overlay-panel" id="overlay" hidden>
<h2>Difference <small>A and B stacked with <code>mix-blend-mode: difference</code>: identical pixels are black</small></h2>
<div class="mode"><label><input type="radio" name="mode" value="difference" checked> difference</label>
<label><input type="radio" name="mode" value="fade"> fade</label>
<input type="range" id="fade" min="0" max="100" value="50" aria-label="fade between A and B"></div>
<div class="overlay" data-mode="difference"><img src="${safeUrl(a.plot_url)}" alt="A"><img class="layer-b" src="${safeUrl(b.plot_url)}" alt="B"></div>
</section>
<p class="note" id="overlay-note" hidden>The two plots differ in size, so there is no pixel overlay.</p>`
      : isRaster(a) || isRaster(b)
        ? ''
        : html`<p class="note">Pixel difference is offered for raster plots (PNG, JPEG, WebP) of the same size.</p>`;
  return html`<p class="crumbs"><a href="/projects/${o.projectId}">← all snapshots</a> · <a href="/projects/${o.projectId}/snapshots/${b.id}">${b.title}</a></p>
<h1>Compare <small>${a.title}${a.title !== b.title ? html` / ${b.title}` : ''}</small></h1>
<div class="compare">${side(o.projectId, 'A', a, o.codeA, o.now, o.frameBase)}${side(o.projectId, 'B', b, o.codeB, o.now, o.frameBase)}</div>
${overlay}`;
}
