/**
 * The one publish planner of the CLI and the action: which snapshots one invocation publishes
 * (one, or one per plot in a folder), their titles, and their files inspected and hashed
 * before any request. The rules are written down once, in this package's README.
 */
import { basename, isAbsolute, resolve } from 'node:path';
import { collectBatch, PLOT_EXTENSIONS } from './batch.js';
import { type InspectedFile, inspectFile, type OpenFile } from './files.js';

/** What the user asked for; paths are relative to `PlanEnv.cwd`. */
export interface PublishInputs {
  title?: string | undefined;
  plot?: string | undefined;
  code?: string | undefined;
  dir?: string | undefined;
  maxFileBytes?: number | undefined;
}

/** The input names as the user typed them, for messages (`--dir` in the CLI, `directory` in the action). */
export type InputNames = Record<'title' | 'plot' | 'code' | 'dir', string>;

export interface PlanEnv {
  /** Base of relative paths: the working directory, or GITHUB_WORKSPACE in the action. */
  cwd: string;
  names?: InputNames;
  open?: OpenFile;
}

export interface PlannedSnapshot {
  title: string;
  plot?: InspectedFile;
  code?: InspectedFile;
  /** The inspected files, for publishSnapshot's `inspected` (so nothing is hashed twice). */
  inspected: InspectedFile[];
}

export interface PublishPlan {
  /** True for a folder (`dir`): titles come from file names and failures do not stop the rest. */
  batch: boolean;
  items: PlannedSnapshot[];
}

export type PlanErrorCode = 'conflicting_inputs' | 'nothing_to_publish' | 'no_plot_files';

/** Inputs that cannot make a plan; `message` names the inputs as the user typed them. */
export class PlanError extends Error {
  override name = 'PlanError';
  constructor(
    readonly code: PlanErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const CLI_NAMES: InputNames = { title: '--title', plot: '--plot', code: '--code', dir: '--dir' };

/** The file's name without its plot extension (`fig.vl.json` -> `fig`), else its last one. */
export function titleFromFile(path: string): string {
  const name = basename(path);
  const lower = name.toLowerCase();
  const ext = PLOT_EXTENSIONS.find((e) => lower.endsWith(`.${e}`) && lower.length > e.length + 1);
  if (ext) return name.slice(0, -(ext.length + 1));
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The snapshots to publish, files inspected; a PlanError for inputs that cannot work. */
export async function planPublish(inputs: PublishInputs, env: PlanEnv): Promise<PublishPlan> {
  const n = env.names ?? CLI_NAMES;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(env.cwd, p));
  const cache = new Map<string, Promise<InspectedFile>>();
  const inspect = (kind: 'plot' | 'code', path: string) => {
    const key = `${kind}:${path}`;
    // One code file for a whole folder is hashed once, not once per plot.
    if (!cache.has(key)) {
      cache.set(key, inspectFile(kind, path, { maxBytes: inputs.maxFileBytes, open: env.open }));
    }
    return cache.get(key)!;
  };
  const planItem = async (title: string, plot?: string, code?: string) => {
    const item: PlannedSnapshot = { title, inspected: [] };
    if (plot) item.plot = await inspect('plot', plot);
    if (code) item.code = await inspect('code', code);
    item.inspected = [item.plot, item.code].filter((f): f is InspectedFile => !!f);
    return item;
  };

  if (inputs.dir) {
    for (const other of ['plot', 'title'] as const) {
      if (inputs[other]) {
        throw new PlanError(
          'conflicting_inputs',
          other === 'plot'
            ? `${n.plot} and ${n.dir} cannot be combined: ${n.dir} publishes every plot in the folder.`
            : `${n.title} and ${n.dir} cannot be combined: with ${n.dir} each title is the plot's file name (use a collection to group them).`,
        );
      }
    }
    const found = await collectBatch(
      abs(inputs.dir),
      inputs.code ? { code: abs(inputs.code) } : {},
    );
    if (found.length === 0) {
      throw new PlanError(
        'no_plot_files',
        `No plot files found in ${inputs.dir}: ${n.dir} looks for ${PLOT_EXTENSIONS.map((e) => `.${e}`).join(', ')} files.`,
      );
    }
    const items: PlannedSnapshot[] = [];
    for (const f of found) items.push(await planItem(f.title, f.plot, f.code));
    return { batch: true, items };
  }

  if (!inputs.plot && !inputs.code) {
    throw new PlanError(
      'nothing_to_publish',
      `Nothing to publish: pass ${n.plot} FILE (and optionally ${n.code} FILE), or ${n.dir} DIR.`,
    );
  }
  const title = inputs.title ?? titleFromFile((inputs.plot ?? inputs.code)!);
  const item = await planItem(
    title,
    inputs.plot ? abs(inputs.plot) : undefined,
    inputs.code ? abs(inputs.code) : undefined,
  );
  return { batch: false, items: [item] };
}
