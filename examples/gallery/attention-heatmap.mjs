// Attention heatmap: a 48x48 attention pattern drawn as a PNG with only node:zlib.
// Usage: node attention-heatmap.mjs OUT_DIR [VERSION]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const [outDir = '.', version = '1'] = process.argv.slice(2);
const v = Number(version);
const n = 48;
const cell = 8; // pixels per matrix cell
const size = n * cell;

// A diagonal band that widens with each commit, plus a "sink" on the first token.
const weight = (i, j) =>
  j > i ? 0 : Math.exp(-((i - j) ** 2) / (2 * (1.5 + v) ** 2)) + (j === 0 ? 0.35 : 0);

// viridis-like ramp, 5 stops
const stops = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
function color(t) {
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  return stops[k].map((c, ch) => Math.round(c + (stops[k + 1][ch] - c) * f));
}

const raw = Buffer.alloc(size * (1 + size * 3));
for (let py = 0; py < size; py++) {
  const row = py * (1 + size * 3);
  raw[row] = 0; // filter: none
  for (let px = 0; px < size; px++) {
    const [r, g, b] = color(weight(Math.floor(py / cell), Math.floor(px / cell)));
    raw.set([r, g, b], row + 1 + px * 3);
  }
}

const crcTable = Array.from({ length: 256 }, (_, k) => {
  let c = k;
  for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(size, 0);
ihdr.writeUInt32BE(size, 4);
ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw)),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(join(outDir, 'attention-heatmap.png'), png);
