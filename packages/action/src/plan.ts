/**
 * What to publish: one snapshot from `plot`/`code`, or one per plot file with `directory`,
 * each with the metadata built from the inputs and the workflow context.
 */
import { basename, isAbsolute, resolve } from 'node:path';
import { collectBatch, type PublishMetadata } from '@snapshotplot/api-client';
import type { MappedContext } from './context.js';
import { ActionConfigError } from './errors.js';
import type { ActionInputs } from './inputs.js';

export interface PlanItem {
  title: string;
  plot?: string;
  code?: string;
  metadata: PublishMetadata;
}

export interface Plan {
  batch: boolean;
  items: PlanItem[];
}

/** The file's name without its (last) extension: `out/loss.png` -> `loss`. */
function stem(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Checks the inputs needed to talk to the server; dry runs need only the project. */
export function checkServerInputs(inputs: ActionInputs, dryRun: boolean, fromFork = false): void {
  const missing: string[] = [];
  if (!inputs.projectId) missing.push('project-id (or SNAPSHOTPLOT_PROJECT)');
  if (!dryRun && !inputs.apiUrl) missing.push('api-url (or SNAPSHOTPLOT_API_URL)');
  if (!dryRun && !inputs.token) missing.push('token (or SNAPSHOTPLOT_TOKEN)');
  if (missing.length > 0) {
    // The usual cause of an empty token on a PR from a fork: GitHub withholds secrets there.
    const fork =
      fromFork && !inputs.token
        ? ' This pull request comes from a fork, and GitHub gives such workflows no secrets: publish from a workflow_run workflow instead (see the fork-safe example in the README), or set fail-on-error: false to skip.'
        : '';
    throw new ActionConfigError(
      `Missing required input: ${missing.join(', ')}. Set it in the step's "with:" block; keep the token in a secret.${fork}`,
    );
  }
  if (!dryRun && !/^https?:\/\/[^/]/i.test(inputs.apiUrl)) {
    throw new ActionConfigError(
      `Input api-url is "${inputs.apiUrl}", which is not an http(s) URL: use the server's base URL, e.g. https://plots.example.com.`,
    );
  }
}

/** Builds the list of snapshots to publish; paths resolve against the workspace. */
export async function buildPlan(
  inputs: ActionInputs,
  ctx: MappedContext,
  workspace: string,
): Promise<Plan> {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(workspace, p));
  const base = (title: string): PublishMetadata => ({
    project_id: inputs.projectId,
    collection: inputs.collection,
    title,
    author: inputs.author ?? ctx.actor,
    description: inputs.description,
    tags: inputs.tags,
    ...ctx.git,
  });

  if (inputs.directory) {
    if (inputs.plot) {
      throw new ActionConfigError(
        'Inputs plot and directory were both given: use plot for one snapshot or directory for a batch, not both.',
      );
    }
    const dir = abs(inputs.directory);
    const found = await collectBatch(dir, inputs.code ? { code: abs(inputs.code) } : {});
    if (found.length === 0) {
      throw new ActionConfigError(
        `No plot files found in ${inputs.directory} (looked for .png, .svg, .jpg, .webp, .pdf, .html, .json). Check the directory input and that the plots were written before this step.`,
      );
    }
    return {
      batch: true,
      items: found.map((f) => ({
        title: f.title,
        plot: f.plot,
        code: f.code,
        metadata: base(f.title),
      })),
    };
  }

  if (!inputs.plot && !inputs.code) {
    throw new ActionConfigError(
      'Nothing to publish: set the plot input (and optionally code), or directory for a batch.',
    );
  }
  const title = inputs.title ?? stem((inputs.plot ?? inputs.code)!);
  return {
    batch: false,
    items: [
      {
        title,
        plot: inputs.plot ? abs(inputs.plot) : undefined,
        code: inputs.code ? abs(inputs.code) : undefined,
        metadata: base(title),
      },
    ],
  };
}
