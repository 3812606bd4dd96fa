/**
 * What one `publish` invocation will do: the list of snapshots (one, or one per plot in --dir)
 * with their files inspected, all before any request.
 */

import { resolve } from 'node:path';
import {
  collectBatch,
  type InspectedFile,
  inspectFile,
  PLOT_EXTENSIONS,
} from '@snapshotplot/api-client';
import { CliError, EXIT } from '../errors.js';

export interface PlanOptions {
  title?: string;
  plot?: string;
  code?: string;
  dir?: string;
  maxFileSize?: number;
}

export interface PlannedItem {
  title: string;
  files: { plot?: InspectedFile; code?: InspectedFile };
}

async function inspectAll(
  items: Array<{ title: string; plot?: string; code?: string }>,
  cwd: string,
  maxBytes: number | undefined,
): Promise<PlannedItem[]> {
  const cache = new Map<string, Promise<InspectedFile>>();
  const inspect = (kind: 'plot' | 'code', path: string) => {
    const abs = resolve(cwd, path);
    const key = `${kind}:${abs}`;
    // One --code for a whole folder is hashed once, not once per plot.
    if (!cache.has(key)) cache.set(key, inspectFile(kind, abs, maxBytes ? { maxBytes } : {}));
    return cache.get(key)!;
  };
  const planned: PlannedItem[] = [];
  for (const item of items) {
    const files: PlannedItem['files'] = {};
    if (item.plot) files.plot = await inspect('plot', item.plot);
    if (item.code) files.code = await inspect('code', item.code);
    planned.push({ title: item.title, files });
  }
  return planned;
}

/** The snapshots to publish; a usage error for a flag combination that cannot work. */
export async function planPublish(o: PlanOptions, cwd: string): Promise<PlannedItem[]> {
  if (o.dir) {
    if (o.plot)
      throw new CliError(
        EXIT.usage,
        '--plot and --dir cannot be combined: --dir publishes every plot in the folder.',
      );
    if (o.title)
      throw new CliError(
        EXIT.usage,
        '--title and --dir cannot be combined: in --dir mode each title is the file name (use --collection to group them).',
      );
    const dir = resolve(cwd, o.dir);
    const items = await collectBatch(dir, o.code ? { code: resolve(cwd, o.code) } : {});
    if (items.length === 0) {
      throw new CliError(
        EXIT.usage,
        `No plot files in ${o.dir}: --dir looks for ${PLOT_EXTENSIONS.map((e) => `.${e}`).join(', ')} files.`,
      );
    }
    return inspectAll(items, cwd, o.maxFileSize);
  }
  if (!o.plot && !o.code) {
    throw new CliError(
      EXIT.usage,
      'Nothing to publish: pass --plot FILE (and optionally --code FILE), or --dir DIR.',
    );
  }
  if (!o.title)
    throw new CliError(EXIT.usage, 'Missing title: pass --title "A title for the plot".');
  return inspectAll([{ title: o.title, plot: o.plot, code: o.code }], cwd, o.maxFileSize);
}
