// Accuracy by model: a bar chart of test accuracy for four model sizes (SVG).
// Usage: node accuracy-by-model.mjs OUT_DIR [VERSION]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir = '.', version = '1'] = process.argv.slice(2);
const v = Number(version);
const models = ['tiny', 'small', 'base', 'large'];
const accuracy = models.map((_, i) =>
  Math.min(0.99, 0.62 + 0.08 * i + 0.025 * v - 0.01 * (i === 3 && v < 3)),
);

const [w, h, pad] = [560, 380, 56];
const band = (w - 2 * pad) / models.length;
const y = (a) => h - pad - a * (h - 2 * pad);
const colors = ['#93c5fd', '#60a5fa', '#3b82f6', '#1d4ed8'];
const bars = models
  .map((m, i) => {
    const x0 = pad + i * band + band * 0.18;
    const bw = band * 0.64;
    return (
      `<rect x="${x0.toFixed(1)}" y="${y(accuracy[i]).toFixed(1)}" width="${bw.toFixed(1)}" height="${(h - pad - y(accuracy[i])).toFixed(1)}" rx="3" fill="${colors[i]}"/>` +
      `<text x="${(x0 + bw / 2).toFixed(1)}" y="${(y(accuracy[i]) - 6).toFixed(1)}" text-anchor="middle">${(accuracy[i] * 100).toFixed(1)}%</text>` +
      `<text x="${(x0 + bw / 2).toFixed(1)}" y="${h - pad + 18}" text-anchor="middle">${m}</text>`
    );
  })
  .join('');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12" fill="#374151">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${w / 2}" y="28" text-anchor="middle" font-size="16" font-weight="600">Test accuracy by model size</text>
<line x1="${pad}" x2="${w - pad}" y1="${h - pad}" y2="${h - pad}" stroke="#9ca3af"/>
${bars}
</svg>
`;
writeFileSync(join(outDir, 'accuracy-by-model.svg'), svg);
