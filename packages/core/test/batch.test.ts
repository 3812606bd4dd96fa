import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@snapshotplot/api-client';
import { collectBatch } from '@snapshotplot/core';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temp folder holding the given files (name -> content). */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'snapshotplot-batch-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('collectBatch', () => {
  it('pairs every plot with its same-stem code file, sorted by file name', async () => {
    const dir = await folder({
      'loss.png': 'p',
      'loss.py': 'c',
      'accuracy.svg': 'p',
      'accuracy.ipynb': 'c',
      'chart.vl.json': '{}',
      'chart.js': 'c',
      'curve.plotly.json': '{}',
      'curve.py': 'c',
      'fit.R': 'c',
      'fit.pdf': 'p',
      'notes.txt': 'not a plot',
      'data.csv': 'not a plot',
    });
    expect(await collectBatch(dir)).toEqual([
      { title: 'accuracy', plot: join(dir, 'accuracy.svg'), code: join(dir, 'accuracy.ipynb') },
      { title: 'chart', plot: join(dir, 'chart.vl.json'), code: join(dir, 'chart.js') },
      { title: 'curve', plot: join(dir, 'curve.plotly.json'), code: join(dir, 'curve.py') },
      { title: 'fit', plot: join(dir, 'fit.pdf'), code: join(dir, 'fit.R') },
      { title: 'loss', plot: join(dir, 'loss.png'), code: join(dir, 'loss.py') },
    ]);
  });

  it('accepts every plot extension, case-insensitively, and leaves code out when none matches', async () => {
    const names = ['a.png', 'b.SVG', 'c.jpg', 'd.jpeg', 'e.webp', 'f.pdf', 'g.html', 'h.json'];
    const dir = await folder(Object.fromEntries(names.map((n) => [n, 'x'])));
    const items = await collectBatch(dir);
    expect(items.map((i) => i.title)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(items.every((i) => i.code === undefined)).toBe(true);
  });

  it('gives every plot the one code file passed as the code option', async () => {
    const dir = await folder({ 'a.png': 'p', 'b.png': 'p', 'a.py': 'own code' });
    const items = await collectBatch(dir, { code: 'make_all.py' });
    expect(items.map((i) => i.code)).toEqual(['make_all.py', 'make_all.py']);
  });

  it('titles plots that share a stem by their file name so none supersedes another', async () => {
    const dir = await folder({ 'fig.png': 'p', 'fig.svg': 'p', 'other.png': 'p' });
    expect((await collectBatch(dir)).map((i) => i.title)).toEqual(['fig.png', 'fig.svg', 'other']);
  });

  it('skips sub-folders, hidden files, dangling links and follows links to files', async () => {
    const dir = await folder({ 'sub/inner.png': 'p', '.hidden.png': 'p', 'real.png': 'p' });
    await symlink(join(dir, 'real.png'), join(dir, 'linked.png'));
    await symlink(join(dir, 'missing.png'), join(dir, 'dangling.png'));
    expect((await collectBatch(dir)).map((i) => i.title)).toEqual(['linked', 'real']);
  });

  it('returns an empty list for a folder without plots', async () => {
    expect(await collectBatch(await folder({ 'readme.md': '#' }))).toEqual([]);
  });

  it('names a missing folder and a file passed as a folder', async () => {
    const dir = await folder({ 'a.png': 'p' });
    const missing = join(dir, 'nope');
    await expect(collectBatch(missing)).rejects.toMatchObject({
      name: 'InputError',
      code: 'file_not_found',
      path: missing,
      message: expect.stringContaining(missing),
    });
    const err = await collectBatch(join(dir, 'a.png')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({
      code: 'file_unreadable',
      message: expect.stringContaining('not a folder'),
    });
  });
});
