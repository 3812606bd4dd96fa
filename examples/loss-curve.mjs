// Draws examples/loss-curve.svg: training and validation loss of a toy model.
// This file is the "code" half of the quick start's sample snapshot.
import { writeFileSync } from 'node:fs';

const epochs = Array.from({ length: 40 }, (_, i) => i + 1);
const train = epochs.map((e) => 2.3 * Math.exp(-e / 9) + 0.12 + 0.03 * Math.sin(e * 1.7));
const valid = epochs.map((e) => 2.3 * Math.exp(-e / 11) + 0.22 + (0.002 * (e - 20) ** 2) / 10);

const [w, h, pad] = [640, 400, 56];
const x = (e) => pad + ((e - 1) / (epochs.length - 1)) * (w - 2 * pad);
const y = (v) => h - pad - (v / 2.5) * (h - 2 * pad);
const path = (ys) =>
  ys.map((v, i) => `${i ? 'L' : 'M'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
const ticks = [0, 0.5, 1, 1.5, 2, 2.5]
  .map(
    (v) =>
      `<line x1="${pad}" x2="${w - pad}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>` +
      `<text x="${pad - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
  )
  .join('');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12" fill="#374151">
<title>Loss curve: training and validation loss per epoch</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${w / 2}" y="28" text-anchor="middle" font-size="16" font-weight="600">Loss curve</text>
${ticks}
<text x="${w / 2}" y="${h - 16}" text-anchor="middle">epoch</text>
<path d="${path(train)}" fill="none" stroke="#2563eb" stroke-width="2.5"/>
<path d="${path(valid)}" fill="none" stroke="#f97316" stroke-width="2.5" stroke-dasharray="6 4"/>
<text x="${w - pad - 120}" y="${pad + 4}" fill="#2563eb">— train</text>
<text x="${w - pad - 120}" y="${pad + 22}" fill="#f97316">- - validation</text>
</svg>
`;
const out = new URL('./loss-curve.svg', import.meta.url);
writeFileSync(out, svg);
console.log(`wrote ${out.pathname}`);
