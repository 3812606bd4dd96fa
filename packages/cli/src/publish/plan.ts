/**
 * What one `publish` invocation will do: core's planner (one rule for titles, folders and
 * extensions, shared with the action) with its refusals turned into usage errors.
 */
import { type InspectedFile, PlanError, planPublish as plan } from '@snapshotplot/core';
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
  inspected: InspectedFile[];
}

/** The snapshots to publish, files inspected; a usage error for inputs that cannot work. */
export async function planPublish(o: PlanOptions, cwd: string): Promise<PlannedItem[]> {
  try {
    const { items } = await plan(
      { title: o.title, plot: o.plot, code: o.code, dir: o.dir, maxFileBytes: o.maxFileSize },
      { cwd },
    );
    return items.map(({ title, plot, code, inspected }) => ({
      title,
      files: { ...(plot ? { plot } : {}), ...(code ? { code } : {}) },
      inspected,
    }));
  } catch (err) {
    if (err instanceof PlanError) throw new CliError(EXIT.usage, err.message);
    throw err;
  }
}
