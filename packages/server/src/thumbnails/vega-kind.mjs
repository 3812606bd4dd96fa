// Which JSON plots the render thread draws with vega (render-worker.mjs). Plain JavaScript so
// the worker thread can load it as it is; its own module so tests can import it without a thread.

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Vega-Lite, Vega or neither, by declared type, else by shape: the rules of
 * gallery/plot-frame.ts jsonMode for the two Vega modes (a Plotly figure or other JSON is not
 * drawn here). Kept in step by test/thumbnails-drawn.test.ts.
 * @returns {'vega' | 'vega-lite' | null}
 */
export function vegaKind(contentType, spec) {
  if (contentType === 'application/vnd.vega.v5+json') return 'vega';
  if (contentType === 'application/vnd.vegalite.v5+json') return 'vega-lite';
  if (!isObject(spec)) return null;
  const schema = typeof spec.$schema === 'string' ? spec.$schema : '';
  if (/vega-lite/i.test(schema)) return 'vega-lite';
  if (/vega/i.test(schema)) return 'vega';
  if ('mark' in spec || 'layer' in spec || 'hconcat' in spec || 'vconcat' in spec)
    return 'vega-lite';
  if (Array.isArray(spec.marks)) return 'vega';
  return null;
}
