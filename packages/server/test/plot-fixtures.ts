/**
 * Plots of the types that are not plain images, made inline for the gallery tests: a Vega-Lite
 * bar chart, a one-page PDF drawn with plain operators, a Plotly figure, and a publish helper
 * that stores any of them as a ready snapshot.
 */
import { expect } from 'vitest';
import { type Harness, publish, upload } from './helpers.js';

/** A Vega-Lite bar chart, one bar per model, SVG so a test can count the bars. */
export const vegaLiteChart = (models: string[]) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  width: 420,
  height: 260,
  usermeta: { embedOptions: { renderer: 'svg' } },
  data: { values: models.map((model, i) => ({ model, accuracy: 0.7 + i * 0.05 })) },
  mark: { type: 'bar', tooltip: true },
  encoding: {
    x: { field: 'model', type: 'nominal', sort: null },
    y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] } },
    color: { field: 'model', type: 'nominal', legend: null },
  },
});

/** A Plotly figure ({data, layout}). */
export const plotlyFigure = () => ({
  data: [{ type: 'scatter', mode: 'lines', x: [1, 2, 3, 4], y: [0.9, 0.6, 0.45, 0.4] }],
  layout: { title: { text: 'validation loss' } },
});

/**
 * A PDF of plain drawing operators, one content stream per page (every page has Helvetica as
 * /F1): what the PDF fixtures of the thumbnail, frame and compare tests are built from.
 */
export function pdfDocument(pages: string[]): Buffer {
  const n = pages.length;
  const font = 3 + 2 * n;
  const objects: string[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pages.map((_, i) => `${3 + i} 0 R`).join(' ')}] /Count ${n} >>`;
  pages.forEach((content, i) => {
    objects[3 + i] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 300] /Contents ${3 + n + i} 0 R /Resources << /Font << /F1 ${font} 0 R >> >> >>`;
    objects[3 + n + i] = `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
  });
  objects[font] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = out.length;
    out += `${i} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const xref = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let i = 1; i < objects.length; i++)
    out += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A one-page PDF: a title and one bar per value. */
export function pdfFile(title: string, bars: number[]): Buffer {
  const rects = bars.map((v, i) => `${40 + i * 80} 40 60 ${v} re f`).join(' ');
  return pdfDocument([
    `0.95 0.95 0.97 rg 0 0 420 300 re f\n0.12 0.47 0.71 rg ${rects}\n0 0 0 rg BT /F1 18 Tf 40 265 Td (${title}) Tj ET`,
  ]);
}

/** Publishes, uploads and finalizes one plot; `meta` goes into the publish body. */
export async function publishPlot(
  h: Harness,
  plot: { bytes: Buffer | string; type: string },
  meta: Record<string, unknown>,
): Promise<string> {
  const p = await publish(h, { artifacts: { plot: true }, ...meta });
  expect(p.status).toBe(201);
  const put = await upload(p.body.upload_urls.plot!, Buffer.from(plot.bytes), plot.type);
  expect(put.status).toBe(200);
  const id = p.body.snapshot_id as string;
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: id },
  });
  expect(fin.status).toBe(200);
  return id;
}
