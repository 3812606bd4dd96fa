/**
 * The pixel comparison of two plots, typed: pixel-compare.mjs does the work (sharp decodes
 * PNG, JPEG and WebP and rasterises SVG at 72 dpi; pixelmatch counts, threshold 0.1,
 * anti-aliased pixels not counted; the difference image is a PNG). `pixelDiff` runs it on
 * this thread with a time budget (tests, the bench); the server runs it in the diff threads
 * (differ.ts). Every failure is a result (`decode_failed`, `too_large`, `timeout`), never a throw.
 */
import { comparePlots, RASTER_TYPES as TYPES } from './pixel-compare.mjs';

/** Content types compared pixel by pixel; anything else is compared by sha256 only. */
export const RASTER_TYPES: ReadonlySet<string> = TYPES;

export interface DiffLimits {
  /** Largest image (width × height) decoded per side; beyond it `too_large`. */
  maxPixels: number;
  /** Budget of one comparison; beyond it `timeout`. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: DiffLimits = { maxPixels: 40_000_000, timeoutMs: 20_000 };

export interface DiffSide {
  bytes: Buffer;
  contentType: string;
}

export type NotComparedReason =
  | 'size_changed'
  | 'too_large'
  | 'timeout'
  | 'decode_failed'
  | 'not_raster';

export type PixelDiffResult =
  | {
      compared: true;
      width: number;
      height: number;
      changed_pixels: number;
      /** The difference image (PNG). */
      png: Buffer;
    }
  | { compared: false; reason: NotComparedReason; width: number | null; height: number | null };

/** What pixel-compare.mjs answers (the PNG as bytes, as it crosses threads). */
export type RawDiffResult =
  | { compared: true; width: number; height: number; changed_pixels: number; png: Uint8Array }
  | { compared: false; reason: NotComparedReason; width: number | null; height: number | null };

export const notCompared = (reason: NotComparedReason): PixelDiffResult => ({
  compared: false,
  reason,
  width: null,
  height: null,
});

/** A raw answer with its PNG as a Buffer. */
export const fromRaw = (r: RawDiffResult): PixelDiffResult =>
  r.compared ? { ...r, png: Buffer.from(r.png.buffer, r.png.byteOffset, r.png.byteLength) } : r;

/** Compares two plots on this thread; never rejects. */
export async function pixelDiff(
  base: DiffSide,
  head: DiffSide,
  limits: DiffLimits = DEFAULT_LIMITS,
): Promise<PixelDiffResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PixelDiffResult>((resolve) => {
    timer = setTimeout(() => resolve(notCompared('timeout')), limits.timeoutMs);
  });
  try {
    return await Promise.race([
      (comparePlots(base, head, limits.maxPixels) as Promise<RawDiffResult>).then(fromRaw, () =>
        notCompared('decode_failed'),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
