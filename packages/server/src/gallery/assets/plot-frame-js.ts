/**
 * The scripts that run inside the sandboxed plot frame (gallery/plot-frame.ts), served from
 * /plot-frame/lib/. They read the spec the frame page inlines and draw it; they never fetch
 * anything (the frame's CSP has connect-src 'none'). `data-state` on <body> tells a test (or a
 * curious reader) when the drawing is done: "ready" or "error".
 */

/** Vega, Vega-Lite, Plotly and plain JSON: a classic script after the libraries. */
export const FRAME_JS = `(function () {
  'use strict';
  var root = document.getElementById('plot');
  var mode = document.body.getAttribute('data-mode');
  // Tells the gallery how tall the drawing is, so the frame fits it.
  function report() {
    // The body's own height: the root element's is never less than the frame's.
    parent.postMessage({ snapshotplotFrameHeight: document.body.getBoundingClientRect().height }, '*');
  }
  function done() {
    document.body.setAttribute('data-state', 'ready');
    report();
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  }
  function fail(message) {
    root.textContent = '';
    var p = document.createElement('p');
    p.className = 'error';
    p.textContent = message;
    root.appendChild(p);
    document.body.setAttribute('data-state', 'error');
    report();
  }
  var spec;
  try {
    spec = JSON.parse(document.getElementById('plot-spec').textContent);
  } catch (e) {
    return fail('This plot is not valid JSON (' + e.message + '): download it to look at it.');
  }
  try {
    if (mode === 'vega' || mode === 'vega-lite') {
      // ast: vega's interpreter instead of generated functions, so no eval is needed.
      // No actions menu: its exports and "open in editor" need downloads and popups, which
      // the sandbox refuses.
      vegaEmbed(root, spec, { mode: mode, ast: true, actions: false }).then(done, function (e) {
        fail('Vega could not draw this spec: ' + e.message);
      });
    } else if (mode === 'plotly') {
      // The width follows the frame; the height is the figure's own (plotly's 450 by default),
      // since the frame in turn fits its height to the drawing.
      var layout = Object.assign({ autosize: true }, spec.layout || {});
      if (typeof layout.height !== 'number') layout.height = 450;
      var config = Object.assign({}, spec.config || {}, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ['toImage'],
      });
      Plotly.newPlot(root, spec.data, layout, config).then(done, function (e) {
        fail('Plotly could not draw this figure: ' + e.message);
      });
    } else {
      var pre = document.createElement('pre');
      pre.className = 'json';
      pre.textContent = JSON.stringify(spec, null, 2);
      root.appendChild(pre);
      done();
    }
  } catch (e) {
    fail('This plot could not be drawn: ' + e.message);
  }
})();
`;

/** PDF: the first page on a canvas with pdf.js, its worker run on this thread (see below). */
export const FRAME_PDF_JS = `import * as pdfjs from './pdf.min.mjs';
import * as worker from './pdf.worker.min.mjs';

// An opaque-origin frame cannot start a Worker from an http(s) URL, so pdf.js runs its worker
// code on this thread: it uses globalThis.pdfjsWorker when it is set.
globalThis.pdfjsWorker = worker;
const root = document.getElementById('plot');
const note = document.getElementById('pdf-note');
function fail(message) {
  root.textContent = '';
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = message;
  root.appendChild(p);
  document.body.setAttribute('data-state', 'error');
}
try {
  const b64 = JSON.parse(document.getElementById('plot-spec').textContent).base64;
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const doc = await pdfjs.getDocument({ data: bytes, isEvalSupported: false }).promise;
  const page = await doc.getPage(1);
  const base = page.getViewport({ scale: 1 });
  const width = Math.max(200, root.clientWidth || document.documentElement.clientWidth || 800);
  const scale = Math.min(4, width / base.width);
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: scale * ratio });
  const canvas = document.createElement('canvas');
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = Math.floor(viewport.width / ratio) + 'px';
  canvas.style.height = Math.floor(viewport.height / ratio) + 'px';
  root.appendChild(canvas);
  await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
  note.textContent =
    doc.numPages > 1 ? 'Page 1 of ' + doc.numPages + ': the full file is linked below the frame.' : '';
  document.body.setAttribute('data-state', 'ready');
  parent.postMessage({ snapshotplotFrameHeight: document.body.getBoundingClientRect().height }, '*');
} catch (e) {
  fail('pdf.js could not draw this PDF (' + e.message + '): download it to look at it.');
}
`;
