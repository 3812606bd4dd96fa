/**
 * Thumbnails (issue 14): one small WebP per stored plot object, made with sharp and kept in
 * the same Storage as the plot (so S3 too) at `thumbnailKey(storage_key)`, i.e.
 * `thumbs/{project}/{sha256}.webp` for content-addressed objects. Made once: lazily on first
 * request (single-flight per object, a few at a time) or by `thumbnails backfill`.
 *
 * Off the request thread: sharp decodes and encodes in libvips threads (the libuv pool), never
 * on the event loop, so a worker_thread around it would add a copy and nothing else (and
 * terminating one does not stop native work). The bounds are sharp's own: `timeout` (libvips
 * stops the pipeline), `limitInputPixels`, and an input size cap checked before decoding. SVG
 * is rasterised by librsvg, which never runs script.
 *
 * Plots that are not images are drawn first where that can be done without a browser
 * (renderer.ts, in worker threads with a time budget): a Vega or Vega-Lite spec to SVG with
 * vega's headless renderer (no URL or file may be read: a spec that tries gets a placeholder),
 * a PDF's first page to pixels with pdf.js. Plotly figures and HTML exports need a browser to
 * be drawn, so they keep the typed placeholder.
 *
 * A plot that cannot be decoded or drawn (corrupt, over a bound, over its time, not an image)
 * gets a typed placeholder that is stored like a thumbnail: it is made once, never retried on
 * every view, never a 500. Only "not made yet" (the drawing threads busy or not startable) is
 * answered without being stored, so a later view tries again.
 *
 * References follow storage/objects.ts: a thumbnail is written holding its object's lock, in
 * a transaction that first sees the object still named by a row, and withObjects deletes it
 * with the object, so no thumbnail outlives the last artifact row of its bytes.
 */
import { Readable } from 'node:stream';
import { baseContentType, INLINE_IMAGE_TYPES } from '@snapshotplot/api-client/contract';
import type { Logger } from 'pino';

import type { ArtifactRecord } from '../data/records.js';
import type { Store } from '../data/store.js';
import { thumbnailKey, withObjects } from '../storage/objects.js';
import type { Storage } from '../storage/storage.js';
import { createRenderer, type Rendered, type Renderer, type RenderKind } from './renderer.js';

/**
 * sharp (libvips and its threads, ~20 MiB resident) is loaded by the first thumbnail, not at
 * start-up: a server that never makes one (a CI-only install, a worker with a warm cache)
 * keeps that memory for uploads.
 */
let sharpLib: Promise<typeof import('sharp')> | undefined;
async function loadSharp() {
  sharpLib ??= import('sharp');
  return (await sharpLib).default;
}

export const THUMBNAIL_DEFAULTS = {
  /** Card width in CSS px is about 240: 480 covers 2x screens. */
  width: 480,
  quality: 78,
  /** At most this many thumbnails being made at once (each holds a decoded image). */
  concurrency: 2,
  /** sharp's pipeline timeout per image. */
  timeoutSeconds: 10,
  /** Plots larger than this get the placeholder (not decoded). */
  maxInputBytes: 64 * 1024 * 1024,
  /** Decoded pixels beyond this are refused by sharp (a 16k x 16k image). */
  maxInputPixels: 16384 * 16384,
  /** Vega/Vega-Lite specs and PDFs larger than this get the placeholder (not drawn). */
  maxRenderBytes: 16 * 1024 * 1024,
  /** Time to draw one spec or PDF page in its worker thread (renderer.ts). */
  renderTimeoutMs: 10_000,
};

export type ThumbnailOptions = Partial<typeof THUMBNAIL_DEFAULTS>;

/** Plot types drawn in the render threads before sharp: a spec (JSON) or a PDF page. */
const DRAWN: Record<string, RenderKind> = {
  'application/vnd.vega.v5+json': 'spec',
  'application/vnd.vegalite.v5+json': 'spec',
  // Plain JSON is drawn when its shape is a Vega or Vega-Lite spec (render-worker.mjs).
  'application/json': 'spec',
  'application/pdf': 'pdf',
};

/** Interactive types that need a browser to draw: their placeholder says so. */
const BROWSER_ONLY = new Set(['text/html', 'application/vnd.plotly.v1+json']);

export interface ThumbnailDeps {
  store: Pick<Store, 'lock' | 'transaction'>;
  storage: Storage;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** What a thumbnail is made from: the plot's artifact row. */
export type ThumbnailSource = Pick<ArtifactRecord, 'storage_key' | 'content_type' | 'sha256'>;

/** `thumbnail` from the plot; `placeholder` when the plot has no image to make one from. */
export type ThumbnailKind = 'thumbnail' | 'placeholder';

export interface Thumbnail {
  bytes: Buffer;
  /** Made by this call (false: read from storage). */
  made: boolean;
  /**
   * A placeholder saying "not made yet" (the drawing threads were busy or could not start):
   * not stored, so not to be cached; the next request tries again.
   */
  temporary?: true;
}

export const THUMBNAIL_TYPE = 'image/webp';

const LABELS: Record<string, string> = {
  'application/pdf': 'PDF',
  'text/html': 'HTML',
  'application/json': 'JSON',
  'application/vnd.vega.v5+json': 'Vega',
  'application/vnd.vegalite.v5+json': 'Vega-Lite',
  'application/vnd.plotly.v1+json': 'Plotly',
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
  'image/svg+xml': 'SVG',
};

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).slice(0, 80);

/** A grey tile naming the plot's type (and why there is no picture), as SVG for sharp. */
function placeholderSvg(contentType: string, why: string, width: number): string {
  const label = LABELS[baseContentType(contentType)] ?? baseContentType(contentType);
  const h = Math.round((width * 10) / 16);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">
<rect width="100%" height="100%" fill="#f1f3f5"/>
<text x="50%" y="46%" text-anchor="middle" font-family="sans-serif" font-size="${Math.round(width / 10)}" font-weight="bold" fill="#495057">${xmlEscape(label)}</text>
<text x="50%" y="64%" text-anchor="middle" font-family="sans-serif" font-size="${Math.round(width / 24)}" fill="#868e96">${xmlEscape(why)}</text>
</svg>`;
}

/** A thumbnailer; `stats().made` counts sharp runs (tests and logs). */
export function createThumbnailer(deps: ThumbnailDeps, options: ThumbnailOptions = {}) {
  const o = { ...THUMBNAIL_DEFAULTS, ...options };
  const inFlight = new Map<string, Promise<Thumbnail | null>>();
  const stats = { made: 0, placeholders: 0, stored: 0 };
  let running = 0;
  const waiting: Array<() => void> = [];
  // Threads start on the first spec or PDF only.
  let renderer: Renderer | undefined;
  const drawer = () => (renderer ??= createRenderer({ timeoutMs: o.renderTimeoutMs }));

  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= o.concurrency) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  async function placeholder(contentType: string, why: string): Promise<Buffer> {
    stats.placeholders++;
    const sharp = await loadSharp();
    return sharp(Buffer.from(placeholderSvg(contentType, why, o.width)))
      .webp({ quality: o.quality })
      .toBuffer();
  }

  /** A spec or PDF drawn in the render threads: an SVG, raw pixels, or why not. */
  async function draw(kind: RenderKind, bytes: Buffer, type: string): Promise<Rendered> {
    const drawn = await drawer().render(kind, type, bytes, {
      width: o.width,
      maxPixels: o.maxInputPixels,
    });
    if (drawn.type === 'none' && !drawn.transient) {
      deps.logger?.warn(
        { reason: drawn.reason, content_type: type },
        'thumbnail: the plot could not be drawn, stored a placeholder',
      );
    }
    return drawn;
  }

  /**
   * The WebP bytes for a plot's bytes: resized, rasterised or drawn, else the typed placeholder;
   * `keep: false` for a placeholder that only says "not made yet".
   */
  async function render(
    bytes: Buffer | null,
    contentType: string,
  ): Promise<{ bytes: Buffer; keep: boolean }> {
    stats.made++;
    const type = baseContentType(contentType);
    const kept = async (b: Promise<Buffer>) => ({ bytes: await b, keep: true });
    if (BROWSER_ONLY.has(type)) return kept(placeholder(type, 'interactive: open to explore'));
    const kind = DRAWN[type];
    if (!kind && !INLINE_IMAGE_TYPES.has(type)) return kept(placeholder(type, 'no preview image'));
    if (!bytes) return kept(placeholder(type, 'too large for a preview'));
    let input: Buffer = bytes;
    let raw: { width: number; height: number; channels: 4 } | undefined;
    if (kind) {
      const drawn = await draw(kind, bytes, type);
      if (drawn.type === 'none') {
        return { bytes: await placeholder(type, drawn.reason), keep: !drawn.transient };
      }
      if (drawn.type === 'svg') input = drawn.svg;
      else {
        input = drawn.data;
        raw = { width: drawn.width, height: drawn.height, channels: drawn.channels };
      }
    }
    const sharp = await loadSharp();
    try {
      return await kept(
        sharp(input, {
          limitInputPixels: o.maxInputPixels,
          ...(raw ? { raw } : {}),
          // An SVG is drawn at its own size; density only matters for SVGs without one.
          ...(type === 'image/svg+xml' || kind === 'spec' ? { density: 96 } : {}),
        })
          .timeout({ seconds: o.timeoutSeconds })
          .rotate() // honour EXIF orientation of photos
          // 480 wide, and never taller than twice that (a 480×20000 strip would be no thumbnail).
          .resize({ width: o.width, height: o.width * 2, fit: 'inside', withoutEnlargement: true })
          .flatten({ background: '#ffffff' })
          .webp({ quality: o.quality })
          .toBuffer(),
      );
    } catch (error) {
      deps.logger?.warn(
        { reason: (error as Error).message, content_type: type },
        'thumbnail: the plot could not be decoded, stored a placeholder',
      );
      return kept(placeholder(type, 'preview unavailable'));
    }
  }

  /** Reads the stored thumbnail; null when there is none yet. */
  async function readStored(key: string): Promise<Buffer | null> {
    const got = await deps.storage.get(key);
    if (!got) return null;
    const chunks: Buffer[] = [];
    for await (const c of got.stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async function readPlot(file: ThumbnailSource, max: number): Promise<Buffer | null | 'gone'> {
    const s = await deps.storage.stat(file.storage_key);
    if (!s) return 'gone';
    if (s.size > max) return null;
    const got = await deps.storage.get(file.storage_key);
    if (!got) return 'gone';
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of got.stream) {
      size += (c as Buffer).length;
      if (size > max) {
        got.stream.destroy();
        return null;
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** Makes and stores the thumbnail; null when the plot's object is gone. */
  async function make(file: ThumbnailSource): Promise<Thumbnail | null> {
    const key = thumbnailKey(file.storage_key);
    return slot(async () => {
      const type = baseContentType(file.content_type);
      const plot = INLINE_IMAGE_TYPES.has(type)
        ? await readPlot(file, o.maxInputBytes)
        : DRAWN[type]
          ? await readPlot(file, o.maxRenderBytes)
          : null;
      if (plot === 'gone') return null;
      // Decoding happens before any lock: locks last milliseconds (storage/objects.ts).
      const { bytes, keep } = await render(plot, file.content_type);
      // "Not made yet": answered, not stored, so the next view tries again.
      if (!keep) return { bytes, made: true, temporary: true };
      const kept = await withObjects(deps, [file.storage_key], () =>
        deps.store.transaction(async (tx) => {
          await tx.lockObjectRefs();
          // The last row went while we decoded: store nothing (nothing would delete it).
          if ((await tx.countObjectRefs(file.storage_key)) === 0) return false;
          await deps.storage.put(key, Readable.from([bytes]), { maxBytes: bytes.length });
          return true;
        }),
      );
      if (!kept) return null;
      stats.stored++;
      deps.logger?.info({ key, bytes: bytes.length }, 'thumbnail made');
      return { bytes, made: true };
    });
  }

  return {
    /**
     * The thumbnail of a plot: from storage, else made now (one run per object however many
     * ask at once). Null when the plot's object is gone. Storage errors reject.
     * `redraw` makes it again even when one is stored.
     */
    async get(file: ThumbnailSource, o: { redraw?: boolean } = {}): Promise<Thumbnail | null> {
      const key = thumbnailKey(file.storage_key);
      // redraw: make it again over the stored one (backfill --redraw).
      const stored = o.redraw ? null : await readStored(key);
      if (stored) return { bytes: stored, made: false };
      let p = inFlight.get(key);
      if (!p) {
        p = make(file).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
      }
      return p;
    },
    /** Whether a plot's type is drawn (spec or PDF) rather than resized or a placeholder. */
    isDrawn: (file: ThumbnailSource) => baseContentType(file.content_type) in DRAWN,
    /** Whether the thumbnail of a plot is stored already. */
    async exists(file: ThumbnailSource): Promise<boolean> {
      return !!(await deps.storage.stat(thumbnailKey(file.storage_key)));
    },
    stats: () => ({ ...stats, running, queued: waiting.length }),
    /** The render threads' counters (runs, timeouts); zeros before the first spec or PDF. */
    renderStats: () => renderer?.stats() ?? { runs: 0, timeouts: 0, threads: 0, queued: 0 },
    /** Stops the render threads (server shutdown, end of a backfill). */
    async close(): Promise<void> {
      await renderer?.close();
    },
  };
}

export type Thumbnailer = ReturnType<typeof createThumbnailer>;
