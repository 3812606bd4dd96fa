/**
 * What to publish: core's planner (the one rule for titles and folders, shared with the CLI)
 * over the inputs, each snapshot with the metadata built from the inputs and the context.
 */
import type { PublishMetadata } from '@snapshotplot/api-client';
import { type InputNames, type InspectedFile, PlanError, planPublish } from '@snapshotplot/core';
import type { MappedContext } from './context.js';
import { ActionConfigError } from './errors.js';
import type { ActionInputs } from './inputs.js';

export interface PlanItem {
  title: string;
  plot?: InspectedFile;
  code?: InspectedFile;
  /** Inspected (read and hashed) once here; publishing only streams them up. */
  inspected: InspectedFile[];
  metadata: PublishMetadata;
}

export interface Plan {
  batch: boolean;
  items: PlanItem[];
}

/** The inputs as action.yml names them, for the planner's messages. */
const INPUT_NAMES: InputNames = {
  title: 'input title',
  plot: 'input plot',
  code: 'input code',
  dir: 'input directory',
};

/** Checks the inputs needed to talk to the server; dry runs need only the project. */
export function checkServerInputs(inputs: ActionInputs, dryRun: boolean, fromFork = false): void {
  const missing: string[] = [];
  if (!inputs.projectId) missing.push('project-id (or SNAPSHOTPLOT_PROJECT)');
  if (!dryRun && !inputs.apiUrl) missing.push('api-url (or SNAPSHOTPLOT_API_URL)');
  if (!dryRun && !inputs.token && !inputs.useOidc) {
    missing.push('token (or SNAPSHOTPLOT_TOKEN, or use-oidc: true)');
  }
  if (missing.length > 0) {
    // The usual cause of an empty token on a PR from a fork: GitHub withholds secrets there.
    const fork =
      fromFork && !inputs.token
        ? ' This pull request comes from a fork, and GitHub gives such workflows no secrets (and no ID token for use-oidc): publish from a workflow_run workflow instead (see the fork-safe example in the README), or set fail-on-error: false to skip.'
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

/** Builds the list of snapshots to publish, files inspected; paths resolve against the workspace. */
export async function buildPlan(
  inputs: ActionInputs,
  ctx: MappedContext,
  workspace: string,
): Promise<Plan> {
  const base = (title: string): PublishMetadata => ({
    project_id: inputs.projectId,
    collection: inputs.collection,
    title,
    author: inputs.author ?? ctx.actor,
    description: inputs.description,
    tags: inputs.tags,
    ...ctx.git,
  });
  try {
    const plan = await planPublish(
      { title: inputs.title, plot: inputs.plot, code: inputs.code, dir: inputs.directory },
      { cwd: workspace, names: INPUT_NAMES },
    );
    return {
      batch: plan.batch,
      items: plan.items.map((item) => ({ ...item, metadata: base(item.title) })),
    };
  } catch (err) {
    if (err instanceof PlanError) throw new ActionConfigError(err.message);
    throw err;
  }
}
