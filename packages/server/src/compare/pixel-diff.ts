/**
 * The pixel comparison of two plots. sharp decodes PNG, JPEG and WebP to RGBA and rasterises
 * SVG at one fixed density for both sides; pixelmatch counts the pixels that differ (threshold
 * 0.1, anti-aliased pixels not counted) and fills the difference image, which sharp encodes as
 * PNG. Every failure is a result (`decode_failed`, `too_large`, `timeout`), never a throw.
 */
import pixelmatch from 'pixelmatch';
import sharp, { type Metadata } from 'sharp';

/** Content types compared pixel by pixel; anything else is compared by sha256 only. */
export const RASTER_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/svg+xml',
]);

/** SVG rasterisation density (dpi), the same for both sides so their sizes agree: at 72 one SVG
 * px is one pixel (librsvg through sharp). */
export const SVG_DENSITY = 72;

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

export type PixelDiffResult =
  | {
      compared: true;
      width: number;
      height: number;
      changed_pixels: number;
      /** The difference image (PNG). */
      png: Buffer;
    }
  | {
      compared: false;
      reason: 'size_changed' | 'too_large' | 'timeout' | 'decode_failed' | 'not_raster';
      width: number | null;
      height: number | null;
    };

class NotCompared extends Error {
  constructor(
    readonly reason: 'too_large' | 'decode_failed',
    message: string,
  ) {
    super(message);
  }
}

/** sharp's own refusal of a large input is `too_large`; anything else did not decode. */
function notCompared(err: unknown): NotCompared {
  const message = (err as Error).message ?? String(err);
  return new NotCompared(/pixel limit/i.test(message) ? 'too_large' : 'decode_failed', message);
}

async function decode(side: DiffSide, limits: DiffLimits) {
  const svg = side.contentType === 'image/svg+xml';
  const open = () =>
    sharp(side.bytes, {
      density: svg ? SVG_DENSITY : undefined,
      limitInputPixels: limits.maxPixels,
      failOn: 'error',
    });
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (err) {
    throw notCompared(err);
  }
  if (!meta.width || !meta.height) throw new NotCompared('decode_failed', 'no image size');
  if (meta.width * meta.height > limits.maxPixels)
    throw new NotCompared('too_large', `${meta.width}×${meta.height}`);
  try {
    const { data, info } = await open().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw notCompared(err);
  }
}

async function compare(
  base: DiffSide,
  head: DiffSide,
  limits: DiffLimits,
): Promise<PixelDiffResult> {
  if (!RASTER_TYPES.has(base.contentType) || !RASTER_TYPES.has(head.contentType))
    return { compared: false, reason: 'not_raster', width: null, height: null };
  let a: Awaited<ReturnType<typeof decode>>;
  let b: Awaited<ReturnType<typeof decode>>;
  try {
    [a, b] = await Promise.all([decode(base, limits), decode(head, limits)]);
  } catch (err) {
    if (err instanceof NotCompared)
      return { compared: false, reason: err.reason, width: null, height: null };
    throw err;
  }
  if (a.width !== b.width || a.height !== b.height)
    return { compared: false, reason: 'size_changed', width: b.width, height: b.height };
  const out = Buffer.alloc(a.width * a.height * 4);
  const changed = pixelmatch(a.data, b.data, out, a.width, a.height, {
    threshold: 0.1,
    includeAA: false,
  });
  const png = await sharp(out, { raw: { width: a.width, height: a.height, channels: 4 } })
    .png()
    .toBuffer();
  return { compared: true, width: a.width, height: a.height, changed_pixels: changed, png };
}

/** Compares two plots; never rejects. */
export async function pixelDiff(
  base: DiffSide,
  head: DiffSide,
  limits: DiffLimits = DEFAULT_LIMITS,
): Promise<PixelDiffResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PixelDiffResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ compared: false, reason: 'timeout', width: null, height: null }),
      limits.timeoutMs,
    );
  });
  try {
    return await Promise.race([
      compare(base, head, limits).catch(
        (): PixelDiffResult => ({
          compared: false,
          reason: 'decode_failed',
          width: null,
          height: null,
        }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
