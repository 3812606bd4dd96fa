// Embedding scatter: a 2-D projection of three clusters of sentence embeddings (SVG).
// Usage: node embedding-scatter.mjs OUT_DIR [VERSION]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir = '.', version = '1'] = process.argv.slice(2);
const v = Number(version);
let seed = 42;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) % 2 ** 32;
  return seed / 2 ** 32;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-9)) * Math.cos(2 * Math.PI * rand());

const clusters = [
  { name: 'sports', cx: -2, cy: 1, color: '#2563eb' },
  { name: 'science', cx: 2, cy: 1.5, color: '#16a34a' },
  { name: 'politics', cx: 0, cy: -2, color: '#dc2626' },
];
const spread = 1.1 / v; // later commits separate the clusters better
const [w, h, pad] = [560, 420, 40];
const x = (val) => w / 2 + (val / 4.5) * (w / 2 - pad);
const y = (val) => h / 2 - (val / 4.5) * (h / 2 - pad);
const dots = clusters
  .flatMap((c) =>
    Array.from(
      { length: 60 },
      () =>
        `<circle cx="${x(c.cx + gauss() * spread).toFixed(1)}" cy="${y(c.cy + gauss() * spread).toFixed(1)}" r="3.5" fill="${c.color}" fill-opacity="0.65"/>`,
    ),
  )
  .join('');
const legend = clusters
  .map(
    (c, i) =>
      `<circle cx="${pad + 6}" cy="${pad + 8 + i * 18}" r="5" fill="${c.color}"/><text x="${pad + 16}" y="${pad + 12 + i * 18}">${c.name}</text>`,
  )
  .join('');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12" fill="#374151">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${w / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">Sentence embeddings (UMAP)</text>
${dots}
${legend}
</svg>
`;
writeFileSync(join(outDir, 'embedding-scatter.svg'), svg);
