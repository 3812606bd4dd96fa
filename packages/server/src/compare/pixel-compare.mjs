// The pixel comparison itself, in plain JavaScript so that the diff thread (diff-worker.mjs)
// and the in-process pixelDiff (pixel-diff.ts, for tests and the bench) run the same code.
// sharp decodes PNG, JPEG and WebP to RGBA and rasterises SVG at one fixed density for both
// sides; pixelmatch counts the pixels that differ (threshold 0.1, anti-aliased pixels not
// counted) and draws the difference image, which sharp encodes as PNG.
// Loaded on the first comparison, not at start-up: libvips and its threads are ~20 MiB of a
// server's resident memory, and most processes (and every request thread) never diff.
let libs;
const load = async () => {
  libs ??= Promise.all([import('sharp'), import('pixelmatch')]).then(([s, p]) => ({
    sharp: s.default,
    pixelmatch: p.default,
  }));
  return libs;
};

/** Content types compared pixel by pixel; anything else is compared by sha256 only. */
export const RASTER_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml']);

/**
 * SVG rasterisation density (dpi), the same for both sides so their sizes agree: at 72 one
 * SVG px is one pixel (librsvg through sharp).
 */
export const SVG_DENSITY = 72;

class NotCompared extends Error {
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}

/** sharp's own refusal of a large input is `too_large`; anything else did not decode. */
function notCompared(err) {
  const message = err?.message ?? String(err);
  return new NotCompared(/pixel limit/i.test(message) ? 'too_large' : 'decode_failed', message);
}

async function decode(side, maxPixels) {
  const { sharp } = await load();
  const svg = side.contentType === 'image/svg+xml';
  const open = () =>
    sharp(side.bytes, {
      density: svg ? SVG_DENSITY : undefined,
      limitInputPixels: maxPixels,
      failOn: 'error',
    });
  let meta;
  try {
    meta = await open().metadata();
  } catch (err) {
    throw notCompared(err);
  }
  if (!meta.width || !meta.height) throw new NotCompared('decode_failed', 'no image size');
  if (meta.width * meta.height > maxPixels)
    throw new NotCompared('too_large', `${meta.width}×${meta.height}`);
  try {
    const { data, info } = await open().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw notCompared(err);
  }
}

/**
 * Compares two plots ({bytes, contentType} each). Resolves `{compared: true, width, height,
 * changed_pixels, png}` or `{compared: false, reason, width, height}`; rejects only on a bug.
 */
export async function comparePlots(base, head, maxPixels) {
  if (!RASTER_TYPES.has(base.contentType) || !RASTER_TYPES.has(head.contentType))
    return { compared: false, reason: 'not_raster', width: null, height: null };
  let a;
  let b;
  try {
    [a, b] = await Promise.all([decode(base, maxPixels), decode(head, maxPixels)]);
  } catch (err) {
    if (err instanceof NotCompared)
      return { compared: false, reason: err.reason, width: null, height: null };
    throw err;
  }
  if (a.width !== b.width || a.height !== b.height)
    return { compared: false, reason: 'size_changed', width: b.width, height: b.height };
  const { sharp, pixelmatch } = await load();
  const out = Buffer.alloc(a.width * a.height * 4);
  const changed = pixelmatch(a.data, b.data, out, a.width, a.height, {
    threshold: 0.1,
    includeAA: false,
    // Only the differences are drawn (red; anti-aliased ones yellow) on a transparent
    // background, to lay over the head plot: half the time of greying every unchanged pixel.
    diffMask: true,
  });
  const encoded = await sharp(out, { raw: { width: a.width, height: a.height, channels: 4 } })
    .png()
    .toBuffer();
  // Its own ArrayBuffer, so a thread can transfer it instead of copying.
  const png = new Uint8Array(encoded);
  return { compared: true, width: a.width, height: a.height, changed_pixels: changed, png };
}
