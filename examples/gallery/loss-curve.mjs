// Loss curve: training and validation loss of a toy model, per epoch (SVG).
// Usage: node loss-curve.mjs OUT_DIR [VERSION]  (VERSION 1-3 = three commits of the model)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir = '.', version = '1'] = process.argv.slice(2);
const v = Number(version);
const decay = 7 + 2 * v; // each commit trains a little slower but overfits less
const overfit = 0.004 / v;

const epochs = Array.from({ length: 40 }, (_, i) => i + 1);
const train = epochs.map((e) => 2.3 * Math.exp(-e / decay) + 0.1 + 0.03 * Math.sin(e * 1.7));
const valid = epochs.map(
  (e) => 2.3 * Math.exp(-e / (decay + 2)) + 0.2 + overfit * (e - 18) ** 2 * 0.1,
);

const [w, h, pad] = [640, 400, 56];
const x = (e) => pad + ((e - 1) / (epochs.length - 1)) * (w - 2 * pad);
const y = (val) => h - pad - (Math.min(val, 2.5) / 2.5) * (h - 2 * pad);
const path = (ys) =>
  ys.map((val, i) => `${i ? 'L' : 'M'}${x(i + 1).toFixed(1)},${y(val).toFixed(1)}`).join(' ');
const grid = [0, 0.5, 1, 1.5, 2, 2.5]
  .map(
    (t) =>
      `<line x1="${pad}" x2="${w - pad}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e7eb"/>` +
      `<text x="${pad - 8}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(1)}</text>`,
  )
  .join('');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12" fill="#374151">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${w / 2}" y="28" text-anchor="middle" font-size="16" font-weight="600">Loss curve (run ${v})</text>
${grid}
<text x="${w / 2}" y="${h - 16}" text-anchor="middle">epoch</text>
<path d="${path(train)}" fill="none" stroke="#2563eb" stroke-width="2.5"/>
<path d="${path(valid)}" fill="none" stroke="#f97316" stroke-width="2.5" stroke-dasharray="6 4"/>
<text x="${w - pad - 120}" y="${pad + 4}" fill="#2563eb">— train</text>
<text x="${w - pad - 120}" y="${pad + 22}" fill="#f97316">- - validation</text>
</svg>
`;
writeFileSync(join(outDir, 'loss-curve.svg'), svg);
