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
 * A plot that cannot be decoded (corrupt, over a bound, not an image) gets a typed placeholder
 * that is stored like a thumbnail: it is made once, never retried on every view, never a 500.
 *
 * References follow storage/objects.ts: a thumbnail is written holding its object's lock, in
 * a transaction that first sees the object still named by a row, and withObjects deletes it
 * with the object, so no thumbnail outlives the last artifact row of its bytes.
 */
import { Readable } from 'node:stream';
import { baseContentType, INLINE_IMAGE_TYPES } from '@snapshotplot/api-client/contract';
import type { Logger } from 'pino';
import sharp from 'sharp';
import type { ArtifactRecord } from '../data/records.js';
import type { Store } from '../data/store.js';
import { thumbnailKey, withObjects } from '../storage/objects.js';
import type { Storage } from '../storage/storage.js';

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
};

export type ThumbnailOptions = Partial<typeof THUMBNAIL_DEFAULTS>;

export interface ThumbnailDeps {
  store: Pick<Store, 'tryLock' | 'transaction'>;
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
    return sharp(Buffer.from(placeholderSvg(contentType, why, o.width)))
      .webp({ quality: o.quality })
      .toBuffer();
  }

  /** The WebP bytes for a plot's bytes: resized or rasterised, else the typed placeholder. */
  async function render(bytes: Buffer | null, contentType: string): Promise<Buffer> {
    stats.made++;
    const type = baseContentType(contentType);
    if (!INLINE_IMAGE_TYPES.has(type)) return placeholder(type, 'no preview image');
    if (!bytes) return placeholder(type, 'too large for a preview');
    try {
      return await sharp(bytes, {
        limitInputPixels: o.maxInputPixels,
        // An SVG is drawn at its own size; density only matters for SVGs without one.
        ...(type === 'image/svg+xml' ? { density: 96 } : {}),
      })
        .timeout({ seconds: o.timeoutSeconds })
        .rotate() // honour EXIF orientation of photos
        // 480 wide, and never taller than twice that (a 480×20000 strip would be no thumbnail).
        .resize({ width: o.width, height: o.width * 2, fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .webp({ quality: o.quality })
        .toBuffer();
    } catch (error) {
      deps.logger?.warn(
        { reason: (error as Error).message, content_type: type },
        'thumbnail: the plot could not be decoded, stored a placeholder',
      );
      return placeholder(type, 'preview unavailable');
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

  async function readPlot(file: ThumbnailSource): Promise<Buffer | null | 'gone'> {
    const s = await deps.storage.stat(file.storage_key);
    if (!s) return 'gone';
    if (s.size > o.maxInputBytes) return null;
    const got = await deps.storage.get(file.storage_key);
    if (!got) return 'gone';
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of got.stream) {
      size += (c as Buffer).length;
      if (size > o.maxInputBytes) {
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
      const plot = INLINE_IMAGE_TYPES.has(baseContentType(file.content_type))
        ? await readPlot(file)
        : null;
      if (plot === 'gone') return null;
      // Decoding happens before any lock: locks last milliseconds (storage/objects.ts).
      const bytes = await render(plot, file.content_type);
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
     */
    async get(file: ThumbnailSource): Promise<Thumbnail | null> {
      const key = thumbnailKey(file.storage_key);
      const stored = await readStored(key);
      if (stored) return { bytes: stored, made: false };
      let p = inFlight.get(key);
      if (!p) {
        p = make(file).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
      }
      return p;
    },
    /** Whether the thumbnail of a plot is stored already. */
    async exists(file: ThumbnailSource): Promise<boolean> {
      return !!(await deps.storage.stat(thumbnailKey(file.storage_key)));
    },
    stats: () => ({ ...stats, running, queued: waiting.length }),
  };
}

export type Thumbnailer = ReturnType<typeof createThumbnailer>;
