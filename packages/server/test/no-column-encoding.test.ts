/**
 * Nothing above the store knows a column encoding (issue 12, fault 4): outside src/data no
 * file decodes tags or ci from JSON text or names the snapshot flag/checksum columns.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(SRC, 'data')) out.push(...(await sources(path)));
    } else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) out.push(path);
  }
  return out;
}

const FORBIDDEN = [
  /JSON\.parse\([^)]*\b(tags|ci)\b/,
  /JSON\.stringify\([^)]*\b(tags|ci)\b/,
  /\b(want_plot|want_code|checksum_plot|checksum_code|snapshot_tags)\b/,
];

describe('column encodings stay in src/data', () => {
  it('finds no JSON decoding of tags/ci and no flag/checksum column names outside src/data', async () => {
    const files = await sources(SRC);
    expect(files.length).toBeGreaterThan(20); // the walk really read the tree
    const hits: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (FORBIDDEN.some((re) => re.test(line)))
          hits.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('would catch the decoding it forbids', () => {
    for (const line of [
      'tags: JSON.parse(r.tags) as string[],',
      'ci: r.ci ? JSON.parse(r.ci) : null,',
      'artifacts: { plot: r.want_plot === 1 },',
    ]) {
      expect(FORBIDDEN.some((re) => re.test(line))).toBe(true);
    }
  });
});
