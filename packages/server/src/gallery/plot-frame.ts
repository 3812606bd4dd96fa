/**
 * Interactive and PDF plots, drawn in the browser inside `<iframe sandbox="allow-scripts">`
 * (no allow-same-origin: the frame has an opaque origin, so no cookies, no gallery DOM, no
 * API with the session).
 *
 * GET /plot-frame/{id}?expires=…&sig=… is the frame's document. It takes exactly the signed
 * query of the snapshot's plot_url (same HMAC over id, "plot" and expiry, same lifetime): the
 * frame URL is as much a capability as plot_url and no more. The server checks it, reads the
 * plot and answers with a page that inlines it (a Vega/Vega-Lite/Plotly spec or plain JSON as
 * a JSON script block, a PDF as base64) and loads the renderer from /plot-frame/lib/; an HTML
 * plot is answered as it is. Every answer carries its own CSP with `sandbox allow-scripts`
 * (opaque origin even when opened as a top-level page), connect-src 'none' (nothing is
 * fetched: not the API, not a tracker) and frame-ancestors the gallery's origin.
 *
 * The libraries are served from the installed npm packages (no CDN: offline installs work).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Snapshot } from '@snapshotplot/api-client/contract';
import { baseContentType } from '@snapshotplot/api-client/contract';
import type { Request, Response, Router } from 'express';
import type { AppContext } from '../http/context.js';
import { openArtifact, signedPlot } from '../snapshots/read.js';
import { FRAME_JS, FRAME_PDF_JS } from './assets/plot-frame-js.js';
import { escapeHtml, html, type SafeHtml, safeUrl } from './html.js';
import { ID } from './page-helpers.js';

export const FRAME_PREFIX = '/plot-frame';
const LIB_PREFIX = `${FRAME_PREFIX}/lib`;

/** The largest plot a frame inlines; bigger ones are offered as a download only. */
export const MAX_FRAME_BYTES = 25 * 1024 * 1024;

/** Plot types drawn live in a frame (the images stay plain <img>s). */
export const LIVE_TYPES: ReadonlySet<string> = new Set([
  'application/pdf',
  'text/html',
  'application/json',
  'application/vnd.vega.v5+json',
  'application/vnd.vegalite.v5+json',
  'application/vnd.plotly.v1+json',
]);

export type FrameMode = 'vega' | 'vega-lite' | 'plotly' | 'json' | 'pdf' | 'html';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * How a JSON plot is drawn: a declared type decides; for plain application/json the shape
 * does: a `$schema` naming vega-lite or vega, a Vega-Lite `mark`/`layer`/`concat`, Vega
 * `marks`, or a Plotly figure (`data` an array of traces, `layout` an object when present).
 * Anything else is shown as indented JSON text.
 */
export function jsonMode(contentType: string, spec: unknown): FrameMode {
  const type = baseContentType(contentType);
  if (type === 'application/vnd.vega.v5+json') return 'vega';
  if (type === 'application/vnd.vegalite.v5+json') return 'vega-lite';
  if (type === 'application/vnd.plotly.v1+json') return 'plotly';
  if (!isObject(spec)) return 'json';
  const schema = typeof spec.$schema === 'string' ? spec.$schema : '';
  if (/vega-lite/i.test(schema)) return 'vega-lite';
  if (/vega/i.test(schema)) return 'vega';
  if ('mark' in spec || 'layer' in spec || 'hconcat' in spec || 'vconcat' in spec)
    return 'vega-lite';
  if (Array.isArray(spec.marks)) return 'vega';
  const traces = spec.data;
  if (
    Array.isArray(traces) &&
    traces.length > 0 &&
    traces.every(isObject) &&
    (spec.layout === undefined || isObject(spec.layout)) &&
    traces.some((t) => 'type' in t || 'x' in t || 'y' in t || 'z' in t || 'values' in t)
  )
    return 'plotly';
  return 'json';
}

/** The origin (scheme://host:port) of a URL, or '' when it is not one. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** The CSP of a frame answer: sandboxed, nothing fetched, embeddable only by the gallery. */
export function frameCsp(mode: FrameMode | 'error', galleryOrigin: string): string {
  const scripts =
    mode === 'html'
      ? // An HTML export carries its script inline (Plotly, Bokeh and Altair inline modes).
        "script-src 'unsafe-inline' 'unsafe-eval' blob: data:"
      : mode === 'error'
        ? "script-src 'none'"
        : mode === 'plotly'
          ? // plotly.js builds some functions at run time.
            "script-src 'self' 'unsafe-eval'"
          : "script-src 'self'";
  return [
    'sandbox allow-scripts',
    "default-src 'none'",
    scripts,
    "style-src 'unsafe-inline' data: blob:",
    'img-src data: blob:',
    'font-src data: blob:',
    'media-src data: blob:',
    "connect-src 'none'",
    "worker-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${galleryOrigin || "'none'"}`,
  ].join('; ');
}

function sendFrame(
  res: Response,
  status: number,
  mode: FrameMode | 'error',
  galleryOrigin: string,
  body: string | Buffer,
): void {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.set({
    'Content-Security-Policy': frameCsp(mode, galleryOrigin),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    // The plot's own page may be framed cross-origin (a --usercontent-url), nothing else.
    'Cross-Origin-Resource-Policy': 'cross-origin',
  });
  res.send(body);
}

const FRAME_STYLE = `html,body{margin:0;background:#fff;font:14px/1.45 system-ui,sans-serif;color:#111827}body{display:flow-root}
#plot{width:100%;min-height:120px;display:flex;flex-direction:column;align-items:center}#plot>canvas{display:block;margin:0 auto;box-shadow:0 1px 4px #0002}
.error{margin:1rem;color:#b91c1c}pre.json{margin:0;padding:1rem;white-space:pre;overflow:auto;font:12px/1.4 ui-monospace,monospace}
#pdf-note{margin:.4rem 1rem;color:#6b7280;font-size:12px;text-align:center}
.vega-embed{max-width:100%}#plot>.js-plotly-plot{width:100%}`;

/**
 * JSON text for a <script type="application/json"> block: nothing in it can close the tag.
 * In valid JSON a `<` occurs only inside strings, where `\u003c` means the same.
 */
const jsonBlock = (json: string) =>
  json
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const LIB_SCRIPTS: Record<Exclude<FrameMode, 'html' | 'pdf'>, string[]> = {
  vega: ['vega.min.js', 'vega-embed.min.js'],
  'vega-lite': ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js'],
  plotly: ['plotly.min.js'],
  json: [],
};

/** The frame document for a spec or a PDF (HTML plots are sent as they are). */
export function frameDocument(mode: Exclude<FrameMode, 'html'>, json: string): string {
  const scripts =
    mode === 'pdf'
      ? `<script type="module" src="${LIB_PREFIX}/frame-pdf.mjs"></script>`
      : [...LIB_SCRIPTS[mode], 'frame.js']
          .map((f) => `<script src="${LIB_PREFIX}/${f}"></script>`)
          .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>plot</title>
<style>${FRAME_STYLE}</style>
</head>
<body data-mode="${mode}" data-state="loading">
<div id="plot"></div>${mode === 'pdf' ? '<p id="pdf-note"></p>' : ''}
<script type="application/json" id="plot-spec">${jsonBlock(json)}</script>
${scripts}
</body>
</html>
`;
}

const errorDocument = (message: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>plot</title><style>${FRAME_STYLE}</style></head><body data-state="error"><p class="error">${escapeHtml(message)}</p></body></html>`;

/** Reads a stored plot whole, or null when it is larger than `max`. */
async function readPlot(
  ctx: AppContext,
  file: { storage_key: string; size: number },
  max: number,
): Promise<Buffer | null> {
  if (file.size > max) return null;
  const object = await openArtifact(ctx, file);
  if (!object) throw new Error('missing');
  const chunks: Buffer[] = [];
  for await (const chunk of object.stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The frame's document for one plot, under the plot_url's signature. */
async function frameHandler(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const galleryOrigin = originOf(ctx.publicUrl());
  const fail = (status: number, message: string) =>
    sendFrame(res, status, 'error', galleryOrigin, errorDocument(message));
  const id = req.params.id as string;
  const { expires, sig } = req.query;
  if (!ID.test(id) || typeof expires !== 'string' || typeof sig !== 'string') {
    return fail(
      400,
      'This frame URL is incomplete: open the plot from its snapshot page in the gallery.',
    );
  }
  const check = await signedPlot(ctx, id, expires, sig);
  if (check === 'expired')
    return fail(403, 'This plot link has expired: reload the snapshot page for a fresh one.');
  if (check === 'invalid')
    return fail(401, 'This plot link is not valid: open the plot from its snapshot page.');
  const { file } = check;
  if (!file) return fail(404, `Snapshot ${id} has no plot to show.`);
  const type = baseContentType(file.content_type);
  if (!LIVE_TYPES.has(type)) {
    return fail(415, `A ${type} plot is shown as an image on the snapshot page, not in a frame.`);
  }
  let bytes: Buffer | null;
  try {
    bytes = await readPlot(ctx, file, MAX_FRAME_BYTES);
  } catch {
    return fail(404, `The plot file of snapshot ${id} is missing from storage.`);
  }
  if (!bytes) {
    return fail(
      413,
      `This plot is larger than ${MAX_FRAME_BYTES / 1024 / 1024} MB, too large to show here: download it instead.`,
    );
  }
  if (type === 'text/html') return sendFrame(res, 200, 'html', galleryOrigin, bytes);
  if (type === 'application/pdf') {
    return sendFrame(
      res,
      200,
      'pdf',
      galleryOrigin,
      frameDocument('pdf', JSON.stringify({ base64: bytes.toString('base64') })),
    );
  }
  // The text as stored (a BOM dropped) goes into the page: parsed here only to pick the mode.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    return fail(
      422,
      `This plot is not valid JSON (${(error as Error).message}): download it to look at it.`,
    );
  }
  const mode = jsonMode(type, spec);
  sendFrame(res, 200, mode, galleryOrigin, frameDocument(mode as Exclude<FrameMode, 'html'>, text));
}

/** The libraries served under /plot-frame/lib/: name -> [package, file in it]. */
const LIBS: Record<string, [string, string]> = {
  'vega.min.js': ['vega', 'build/vega.min.js'],
  'vega-lite.min.js': ['vega-lite', 'build/vega-lite.min.js'],
  'vega-embed.min.js': ['vega-embed', 'build/vega-embed.min.js'],
  'plotly.min.js': ['plotly.js-dist-min', 'plotly.min.js'],
  'pdf.min.mjs': ['pdfjs-dist', 'build/pdf.min.mjs'],
  'pdf.worker.min.mjs': ['pdfjs-dist', 'build/pdf.worker.min.mjs'],
};

/** A package's folder, found from its resolved entry point (its exports may hide the rest). */
function packageRoot(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return dir;
    } catch {}
    const up = dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
}

const libCache = new Map<string, Buffer>();

function libFile(name: string): Buffer | undefined {
  if (name === 'frame.js') return Buffer.from(FRAME_JS);
  if (name === 'frame-pdf.mjs') return Buffer.from(FRAME_PDF_JS);
  const lib = LIBS[name];
  if (!lib) return undefined;
  let bytes = libCache.get(name);
  if (!bytes) {
    bytes = readFileSync(join(packageRoot(lib[0]), lib[1]));
    libCache.set(name, bytes);
  }
  return bytes;
}

export function plotFrameRoutes(ctx: AppContext, router: Router): void {
  router.get(`${LIB_PREFIX}/:name`, (req, res) => {
    const name = req.params.name as string;
    let bytes: Buffer | undefined;
    try {
      bytes = libFile(name);
    } catch {
      res.status(500).type('text/plain').send(`The ${name} library is not installed: reinstall.`);
      return;
    }
    if (!bytes) {
      res.status(404).type('text/plain').send(`No library ${name} here.`);
      return;
    }
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.set({
      'Cache-Control': 'public, max-age=86400',
      'X-Content-Type-Options': 'nosniff',
      // Loaded by opaque-origin frames: module scripts need CORS, and CORP must let them in.
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    res.send(bytes);
  });
  router.get(`${FRAME_PREFIX}/:id`, (req, res, next) => {
    frameHandler(ctx, req, res).catch(next);
  });
}

/** Whether a snapshot's plot is drawn live in a frame rather than shown as an image. */
export const isLive = (s: Snapshot) =>
  !!s.files.plot && LIVE_TYPES.has(baseContentType(s.files.plot.content_type));

/** The frame URL for a snapshot: plot_url's signed query on the frame origin; null when none. */
export function plotFrameUrl(s: Snapshot, frameBase: string): string | null {
  if (!s.plot_url || !isLive(s)) return null;
  const signed = new URL(s.plot_url);
  const expires = signed.searchParams.get('expires');
  const sig = signed.searchParams.get('sig');
  if (!expires || !sig) return null;
  const base = frameBase.replace(/\/+$/, '');
  const q = new URLSearchParams({ expires, sig });
  return `${base}${FRAME_PREFIX}/${encodeURIComponent(s.id)}?${q.toString()}`;
}

const KIND_LABEL: Record<string, string> = {
  'application/pdf': 'PDF',
  'text/html': 'HTML',
  'application/json': 'JSON',
  'application/vnd.vega.v5+json': 'Vega',
  'application/vnd.vegalite.v5+json': 'Vega-Lite',
  'application/vnd.plotly.v1+json': 'Plotly',
};

/**
 * A live plot: the sandboxed frame and, under it, a link to the full file (for a PDF, every
 * page). Null when the snapshot's plot is not a live type (show plotThumb instead). Exported
 * for any page that shows a plot large (snapshot page, review page).
 */
export function plotLive(s: Snapshot, o: { frameBase: string }): SafeHtml | null {
  const src = plotFrameUrl(s, o.frameBase);
  if (!src) return null;
  const type = baseContentType(s.files.plot!.content_type);
  const label = KIND_LABEL[type] ?? type;
  // A PDF frame shows page 1 only: the full file is one click away.
  const caption =
    type === 'application/pdf'
      ? html`PDF, first page · <a class="full-file" href="${safeUrl(s.plot_url)}" download>Download the full PDF</a>`
      : html`${label} · interactive: hover, zoom and pan`;
  return html`<figure class="live-plot" data-type="${type}"><iframe class="plot-frame" sandbox="allow-scripts" src="${src}" title="${s.title} (${label}, drawn in a sandbox)" referrerpolicy="no-referrer" loading="lazy"></iframe><figcaption>${caption}</figcaption></figure>`;
}

/** The frame origin for the gallery page's CSP frame-src. */
export const frameOrigin = (frameBase: string) => originOf(frameBase);

/** Where plot frames load from: --usercontent-url when set, else this server's public URL. */
export const frameBaseOf = (ctx: AppContext) => ctx.config.usercontentUrl ?? ctx.publicUrl();
