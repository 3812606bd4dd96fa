/**
 * Batch publishing: turn one folder of figures into a list of snapshots to publish, each plot
 * paired with the code file that made it.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@snapshotplot/api-client';

/** Plot file extensions, longest first so `fig.vl.json` is not read as a `.json` named `fig.vl`. */
export const PLOT_EXTENSIONS = [
  'plotly.json',
  'vega.json',
  'vl.json',
  'jpeg',
  'html',
  'json',
  'webp',
  'png',
  'svg',
  'jpg',
  'pdf',
] as const;

/** Code file extensions looked for beside a plot, in order of preference. */
export const CODE_EXTENSIONS = ['py', 'ipynb', 'R', 'jl', 'm', 'js', 'ts'] as const;

export interface BatchItem {
  /** Snapshot title: the plot's file stem (its file name when two plots share a stem). */
  title: string;
  plot: string;
  code?: string;
}

function splitPlotName(name: string): { stem: string; ext: string } | undefined {
  const lower = name.toLowerCase();
  const ext = PLOT_EXTENSIONS.find((e) => lower.endsWith(`.${e}`));
  if (!ext) return undefined;
  const stem = name.slice(0, -(ext.length + 1));
  return stem ? { stem, ext } : undefined;
}

async function listFiles(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new InputError('file_not_found', `Folder not found: ${dir}. Check the path.`, {
        path: dir,
      });
    }
    const why = code === 'ENOTDIR' ? 'it is not a folder' : `(${code ?? String(err)})`;
    throw new InputError('file_unreadable', `Cannot read folder ${dir}: ${why}.`, { path: dir });
  }
  const names: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile()) names.push(e.name);
    else if (e.isSymbolicLink()) {
      // A link to a file counts as the file; a dangling link or a link to a folder does not.
      const target = await stat(join(dir, e.name)).catch(() => undefined);
      if (target?.isFile()) names.push(e.name);
    }
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Every plot file in `dir` (not recursive) -> `{ title, plot, code? }`, sorted by file name.
 * `code` is the same-stem file with a code extension, or `o.code` for every plot when given.
 */
export async function collectBatch(dir: string, o: { code?: string } = {}): Promise<BatchItem[]> {
  const names = await listFiles(dir);
  const byLowerName = new Map(names.map((n) => [n.toLowerCase(), n]));
  const plots = names
    .map((name) => ({ name, parts: splitPlotName(name) }))
    .filter((p): p is { name: string; parts: { stem: string; ext: string } } => !!p.parts);

  // Two plots with one stem (fig.png, fig.svg) would get one title and so one natural key
  // on the server, the second superseding the first: title those by their full file name.
  const stemCount = new Map<string, number>();
  for (const p of plots) stemCount.set(p.parts.stem, (stemCount.get(p.parts.stem) ?? 0) + 1);

  return plots.map(({ name, parts }) => {
    const title = (stemCount.get(parts.stem) ?? 0) > 1 ? name : parts.stem;
    const item: BatchItem = { title, plot: join(dir, name) };
    const code = o.code ?? findCode(parts.stem, byLowerName, dir);
    if (code) item.code = code;
    return item;
  });
}

function findCode(stem: string, byLowerName: Map<string, string>, dir: string) {
  for (const ext of CODE_EXTENSIONS) {
    // Extensions match case-insensitively (`fig.r` and `fig.R` are both R scripts).
    const name = byLowerName.get(`${stem}.${ext}`.toLowerCase());
    if (name) return join(dir, name);
  }
  return undefined;
}
