// The thumbnail drawing thread: a Vega or Vega-Lite spec to SVG with vega's headless
// View#toSVG(), a PDF's first page to RGBA pixels with pdf.js on @napi-rs/canvas. Plain
// JavaScript on purpose (as highlight-worker.mjs): a worker thread is a bare Node module graph,
// so this file runs unchanged from src/ under the tests and from dist/ after `tsc`. The pool
// terminates it when a plot runs over its time budget, and its heap is capped, so a spec that
// generates a billion rows costs a thread, not the server. sharp turns what it answers into
// the WebP on the main side (renderer.ts, thumbnailer.ts).
//
// Nothing here may leave the thread: vega is given a loader that refuses every URL and file
// (and says it was asked, so such a spec gets a placeholder rather than a chart with holes),
// expressions run in vega-interpreter (no code generated from the spec), and pdf.js gets the
// bytes, never a URL, with eval and system fonts off. The thread starts with an empty
// environment (renderer.ts), so not even a bug here could read the server's secrets from it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { vegaKind } from './vega-kind.mjs';

/** Thrown for a plot that gets a placeholder: `reason` is what the tile says. */
class Refused extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

// Loaded before the thread says it is ready: a plot's time budget is its own drawing only.
const [vega, vl, { expressionInterpreter }, pdfjs] = await Promise.all([
  import('vega'),
  import('vega-lite'),
  import('vega-interpreter'),
  import('pdfjs-dist/legacy/build/pdf.mjs'),
]);
const pdfRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const PDF_FONTS = join(pdfRoot, 'standard_fonts/');
const PDF_CMAPS = join(pdfRoot, 'cmaps/');

/** The final pixel size for a width × height drawing: `width` wide, at most 2 × width tall. */
function fitScale(w, h, task) {
  const scale = Math.min(task.width / w, (task.width * 2) / h, 8);
  return w * h * scale * scale > task.maxPixels ? Math.sqrt(task.maxPixels / (w * h)) : scale;
}

async function drawVega(task) {
  let spec;
  try {
    spec = JSON.parse(
      Buffer.from(task.bytes)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch {
    throw new Refused('not valid JSON');
  }
  const kind = vegaKind(task.contentType, spec);
  if (!kind) {
    // A Plotly figure in plain JSON ({data: [traces…]}) needs a browser, like a declared one.
    const plotly = Array.isArray(spec?.data) && spec.data.length > 0;
    throw new Refused(plotly ? 'interactive: open to explore' : 'no preview image');
  }
  const asked = [];
  const refuse = async (what) => {
    asked.push(String(what));
    throw new Error('a thumbnail reads nothing from outside the spec');
  };
  // Every way vega-loader reaches out, refused; sanitize is what load and image marks call first.
  const loader = {
    options: {},
    sanitize: refuse,
    load: refuse,
    http: refuse,
    file: refuse,
    fileAccess: false,
  };
  const errors = [];
  const logger = {
    level() {
      return this;
    },
    error: (...a) => errors.push(a.map(String).join(' ')),
    warn() {},
    info() {},
    debug() {},
  };
  let runtime;
  try {
    const vgSpec = kind === 'vega-lite' ? vl.compile(spec, { logger }).spec : spec;
    runtime = vega.parse(vgSpec, undefined, { ast: true });
  } catch {
    throw new Refused(`not a valid ${kind === 'vega' ? 'Vega' : 'Vega-Lite'} spec`);
  }
  const view = new vega.View(runtime, {
    renderer: 'none',
    loader,
    logger,
    expr: expressionInterpreter,
  });
  let svg;
  try {
    await view.runAsync();
    if (asked.length === 0) svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (asked.length > 0) throw new Refused('loads data from a URL: no preview');
  if (errors.length > 0) throw new Refused('could not be drawn');
  const root = /^<svg\b[^>]*?\swidth="([\d.]+)"\s+height="([\d.]+)"/.exec(svg);
  if (!root) throw new Refused('could not be drawn');
  const w = Number(root[1]);
  const h = Number(root[2]);
  if (!(w >= 1 && h >= 1)) throw new Refused('empty chart');
  const scale = fitScale(w, h, task);
  // The root keeps its viewBox: new width and height draw the chart at the thumbnail's size.
  const sized = svg.replace(
    root[0],
    root[0]
      .replace(`width="${root[1]}"`, `width="${Math.max(1, Math.round(w * scale))}"`)
      .replace(`height="${root[2]}"`, `height="${Math.max(1, Math.round(h * scale))}"`),
  );
  if (sized.length > task.maxSvgBytes) throw new Refused('too many marks for a preview');
  return { type: 'svg', svg: sized };
}

async function drawPdf(task) {
  let doc;
  try {
    doc = await pdfjs.getDocument({
      data: task.bytes,
      isEvalSupported: false,
      useSystemFonts: false,
      disableFontFace: true,
      enableXfa: false,
      standardFontDataUrl: PDF_FONTS,
      cMapUrl: PDF_CMAPS,
      cMapPacked: true,
      verbosity: 0,
    }).promise;
  } catch {
    throw new Refused('not a readable PDF');
  }
  try {
    const page = await doc.getPage(1);
    const unit = page.getViewport({ scale: 1 });
    if (!(unit.width >= 1 && unit.height >= 1)) throw new Refused('empty first page');
    const viewport = page.getViewport({ scale: fitScale(unit.width, unit.height, task) });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    let target;
    try {
      target = doc.canvasFactory.create(width, height);
    } catch {
      // pdf.js draws on @napi-rs/canvas (its optional dependency): not installed here.
      throw new Refused('no PDF renderer installed');
    }
    await page.render({ canvasContext: target.context, viewport, background: '#ffffff' }).promise;
    // A copy in a plain ArrayBuffer (the canvas's own memory cannot be moved to the main thread).
    const data = new Uint8Array(target.context.getImageData(0, 0, width, height).data);
    return { type: 'raw', data, width, height, channels: 4, pages: doc.numPages };
  } finally {
    await doc.destroy();
  }
}

parentPort.on('message', async (task) => {
  try {
    const value = task.kind === 'pdf' ? await drawPdf(task) : await drawVega(task);
    parentPort.postMessage(
      { type: 'done', value },
      value.type === 'raw' ? [value.data.buffer] : [],
    );
  } catch (error) {
    if (error instanceof Refused) {
      parentPort.postMessage({ type: 'done', value: { type: 'refused', reason: error.reason } });
    } else {
      parentPort.postMessage({ type: 'failed', message: String(error?.message ?? error) });
    }
  }
});
parentPort.postMessage({ type: 'ready' });
