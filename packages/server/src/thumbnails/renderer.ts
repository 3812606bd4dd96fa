/**
 * Drawing for thumbnails of plots that are not images: Vega and Vega-Lite specs (vega's
 * headless View#toSVG) and a PDF's first page (pdf.js on @napi-rs/canvas), in render-worker.mjs
 * on the shared worker pool (workers/pool.ts) as highlighting and the pixel diff do: off the
 * request thread, `timeoutMs` per plot (the thread is terminated), a heap cap, and an empty
 * environment for the threads. What comes back is an SVG or raw RGBA pixels; sharp makes the
 * WebP (thumbnailer.ts).
 */
import { createWorkerPool } from '../workers/pool.js';

export const RENDER_DEFAULTS = {
  /** Plots drawn at once (each thread holds vega or pdf.js, ~60-100 MB). */
  threads: 1,
  /** Plots waiting for the thread beyond which one is answered `busy` (not stored, retried later). */
  maxQueue: 32,
  /** Budget per plot, parse to pixels. */
  timeoutMs: 10_000,
  /** Heap cap per thread: a spec that generates millions of rows fails instead of swelling. */
  maxHeapMb: 256,
  /** The SVG of a chart with more marks than this is not rasterised. */
  maxSvgBytes: 32 * 1024 * 1024,
};

export type RenderOptions = Partial<typeof RENDER_DEFAULTS>;

export type RenderKind = 'spec' | 'pdf';

interface RenderTask {
  kind: RenderKind;
  contentType: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** Thumbnail width: the drawing is made at this width, at most twice as tall. */
  width: number;
  maxPixels: number;
  maxSvgBytes: number;
}

type RenderValue =
  | { type: 'svg'; svg: string }
  | { type: 'raw'; data: Uint8Array; width: number; height: number; channels: 4; pages: number }
  | { type: 'refused'; reason: string };

/** A drawing to hand to sharp, or why there is none (the placeholder's second line). */
export type Rendered =
  | { type: 'svg'; svg: Buffer }
  | { type: 'raw'; data: Buffer; width: number; height: number; channels: 4 }
  | {
      type: 'none';
      reason: string;
      /** Worth another try later (the server was busy), so not stored as the thumbnail. */
      transient?: boolean;
    };

export function createRenderer(options: RenderOptions = {}) {
  const o = { ...RENDER_DEFAULTS, ...options };
  const pool = createWorkerPool<RenderTask, RenderValue>({
    threads: o.threads,
    maxQueue: o.maxQueue,
    timeoutMs: o.timeoutMs,
    workerUrl: new URL('./render-worker.mjs', import.meta.url),
    maxHeapMb: o.maxHeapMb,
    env: {},
  });
  return {
    async render(
      kind: RenderKind,
      contentType: string,
      bytes: Buffer,
      size: { width: number; maxPixels: number },
    ): Promise<Rendered> {
      const task: RenderTask = {
        kind,
        contentType,
        // A copy in an ArrayBuffer of its own, moved to the thread rather than cloned.
        bytes: new Uint8Array(bytes),
        width: size.width,
        maxPixels: size.maxPixels,
        maxSvgBytes: o.maxSvgBytes,
      };
      const r = await pool.run(task, [task.bytes.buffer]);
      if (r.status === 'ok') {
        const v = r.value;
        if (v.type === 'svg') return { type: 'svg', svg: Buffer.from(v.svg) };
        if (v.type === 'raw') {
          const data = Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength);
          return { type: 'raw', data, width: v.width, height: v.height, channels: 4 };
        }
        return { type: 'none', reason: v.reason };
      }
      if (r.status === 'timeout') return { type: 'none', reason: 'took too long to draw' };
      // Out of memory (the heap cap) or a crash on this plot: it is the plot, not the server.
      if (r.status === 'failed') return { type: 'none', reason: 'could not be drawn' };
      // Busy, shutting down, or no thread could start (a broken install): not the plot's fault.
      return { type: 'none', reason: 'preview not made yet', transient: true };
    },
    stats: pool.stats,
    close: pool.close,
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
