/**
 * The action: mask the token, read the inputs, publish each planned snapshot, set the outputs
 * and write the job summary. Every failure ends in exactly one setFailed (or one warning with
 * fail-on-error: false); run() itself never throws and never exits the process.
 */
import {
  type Comparison,
  contract,
  createClient,
  describeRetry,
  pathFor,
  type SnapshotplotClient,
  VERSION,
} from '@snapshotplot/api-client';
import { publishSnapshot } from '@snapshotplot/core';
import { type MappedContext, mapContext, type WorkflowContext } from './context.js';
import { ActionConfigError, describeError } from './errors.js';
import { type ActionInputs, getBooleanInput, parseInputs, readToken } from './inputs.js';
import { buildPlan, checkServerInputs, type Plan } from './plan.js';
import { parseReviewInputs, type ReviewInputs, review, reviewTarget } from './review.js';
import {
  batchSummary,
  dryRunSummary,
  type FailedSnapshot,
  type PlannedSnapshot,
  type PublishedSnapshot,
  singleSummary,
} from './summary.js';

type Env = Record<string, string | undefined>;

/** The @actions/core functions run() uses; the module itself satisfies it. */
export interface ActionCore {
  setSecret(secret: string): void;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  warning(message: string): void;
  info(message: string): void;
  notice?(message: string): void;
  summary: { addRaw(text: string, addEOL?: boolean): unknown; write(): Promise<unknown> };
  /** The job's OIDC ID token for an audience (needs `permissions: id-token: write`). */
  getIDToken?(audience?: string): Promise<string>;
}

export interface RunOptions {
  env: Env;
  context: WorkflowContext;
  /** Parsed inputs; read from `env` when not given. */
  inputs?: ActionInputs;
  /** A ready client (tests); built from api-url and token otherwise. */
  client?: SnapshotplotClient;
  core: ActionCore;
  /** Base for relative paths when GITHUB_WORKSPACE is unset. */
  cwd?: string;
  /** The comparison and pull request inputs; read from `env` when not given. */
  reviewInputs?: ReviewInputs;
}

export interface RunResult {
  ok: boolean;
  comparison?: Comparison;
  published: PublishedSnapshot[];
  error?: string;
}

/** Runs the action once; reports through `core`, returns what happened for tests. */
export async function run(o: RunOptions): Promise<RunResult> {
  const { core, env } = o;
  // Masked before anything is printed, even before the other inputs are validated.
  const tokens = new Set([
    o.inputs?.token ?? readToken(env),
    (env.SNAPSHOTPLOT_TOKEN ?? '').trim(),
  ]);
  for (const token of tokens) if (token) core.setSecret(token);

  let failOnError = true;
  let inputs: ActionInputs | undefined;
  try {
    failOnError = o.inputs?.failOnError ?? getBooleanInput(env, 'fail-on-error', true);
    inputs = o.inputs ?? parseInputs(env);
    const reviewInputs = o.reviewInputs ?? parseReviewInputs(env);
    if (reviewInputs.githubToken) core.setSecret(reviewInputs.githubToken);
    const ctx = mapContext(o.context, env);
    checkServerInputs(inputs, inputs.dryRun, ctx.fromFork);
    // Compare only (the final job of a matrix): no plot and no directory, compare on, and an
    // event that compares; otherwise a missing plot is the usual input error.
    const compareOnly =
      !inputs.plot &&
      !inputs.directory &&
      reviewInputs.compare &&
      reviewTarget(o.context, reviewInputs, ctx.git.pr_number) !== null;
    const plan = compareOnly
      ? null
      : await buildPlan(inputs, ctx, env.GITHUB_WORKSPACE || o.cwd || process.cwd());
    if (inputs.dryRun && plan) {
      await dryRun(plan, ctx, inputs, core);
      return { ok: true, published: [] };
    }
    const client =
      o.client ??
      createClient({
        baseUrl: inputs.apiUrl,
        token: inputs.useOidc ? await idToken(core, inputs, ctx.fromFork) : inputs.token,
        userAgent: `snapshotplot-action/${VERSION}`,
        // A retried request says so in the job log instead of a minute of silence.
        onRetry: (event) => core.info(describeRetry(event)),
      });
    if (!plan && inputs.dryRun) {
      core.info('Dry run: would compare the head commit with its baselines.');
      return { ok: true, published: [] };
    }
    const result: RunResult = plan
      ? await publishAll(plan, ctx, inputs, client, core)
      : { ok: true, published: [] };
    if (!result.ok || !reviewInputs.compare) return result;
    const reviewed = await review({
      env,
      context: o.context,
      inputs: reviewInputs,
      projectId: inputs.projectId,
      prNumber: ctx.git.pr_number,
      client,
      core,
      addSummary: inputs.summary ? (md) => writeSummary(core, md) : undefined,
    });
    // fail-on-change is asked for explicitly, so fail-on-error: false does not soften it.
    if (reviewed.failure) core.setFailed(reviewed.failure);
    return {
      ...result,
      ok: !reviewed.failure,
      comparison: reviewed.comparison,
      error: reviewed.failure,
    };
  } catch (err) {
    return fail(core, failOnError, describeError(err, inputs?.apiUrl));
  }
}

/**
 * The job's ID token for the server (use-oidc): audience oidc-audience, else the api-url, which
 * is what the server requires by default. Masked like a token.
 */
async function idToken(core: ActionCore, inputs: ActionInputs, fromFork: boolean): Promise<string> {
  const audience = inputs.oidcAudience ?? inputs.apiUrl.replace(/\/+$/, '');
  if (inputs.token)
    core.info('use-oidc is true: publishing with the ID token, not the token input.');
  try {
    if (!core.getIDToken) throw new Error('no ID token provider');
    const token = await core.getIDToken(audience);
    core.setSecret(token);
    return token;
  } catch (err) {
    const fork = fromFork
      ? ' This pull request comes from a fork, and GitHub issues no ID token to such workflows: publish from a workflow_run workflow instead (see the fork-safe example in the README).'
      : '';
    throw new ActionConfigError(
      `use-oidc is true but the job could not get an OIDC ID token (${err instanceof Error ? err.message : String(err)}): give the workflow or job \`permissions: id-token: write\`.${fork}`,
    );
  }
}

function fail(core: ActionCore, failOnError: boolean, message: string): RunResult {
  if (failOnError) core.setFailed(message);
  else core.warning(`${message} (fail-on-error is false, so this step succeeds.)`);
  return { ok: false, published: [], error: message };
}

async function publishAll(
  plan: Plan,
  ctx: MappedContext,
  inputs: ActionInputs,
  client: SnapshotplotClient,
  core: ActionCore,
): Promise<RunResult> {
  const published: PublishedSnapshot[] = [];
  const failed: FailedSnapshot[] = [];
  // One at a time: each publish already uploads its files concurrently, and a batch from
  // CI should not hammer a small self-hosted server.
  for (const item of plan.items) {
    try {
      const { snapshot, created } = await publishSnapshot(client, {
        metadata: item.metadata,
        inspected: item.inspected,
      });
      const resource = pathFor(contract.getSnapshot, { id: snapshot.id });
      const url = snapshot.web_url ?? `${client.baseUrl.replace(/\/+$/, '')}${resource}`;
      published.push({ snapshot, url });
      core.info(`${created ? 'Published' : 'Already published'} "${snapshot.title}": ${url}`);
    } catch (err) {
      if (!plan.batch) throw err;
      failed.push({ title: item.title, message: describeError(err, inputs.apiUrl) });
    }
  }

  if (inputs.summary) {
    const html = plan.batch
      ? batchSummary(published, failed, ctx)
      : singleSummary(published[0]!, ctx);
    await writeSummary(core, html);
  }
  if (failed.length > 0) {
    const list = failed.map((f) => `"${f.title}": ${f.message}`).join('; ');
    return fail(
      core,
      inputs.failOnError,
      `${failed.length} of ${plan.items.length} snapshots failed to publish. ${list}`,
    );
  }

  const first = published[0]!;
  if (!plan.batch) {
    core.setOutput('snapshot-id', first.snapshot.id);
    core.setOutput('snapshot-url', first.url);
    core.setOutput('plot-url', first.snapshot.plot_url ?? '');
    core.setOutput('code-url', first.snapshot.code_url ?? '');
  }
  core.setOutput('snapshot-ids', JSON.stringify(published.map((p) => p.snapshot.id)));
  core.setOutput('snapshot-urls', JSON.stringify(published.map((p) => p.url)));
  return { ok: true, published };
}

async function dryRun(plan: Plan, ctx: MappedContext, inputs: ActionInputs, core: ActionCore) {
  const planned: PlannedSnapshot[] = [];
  for (const item of plan.items) {
    const p: PlannedSnapshot = { title: item.title };
    if (item.plot) p.plot = item.plot;
    if (item.code) p.code = item.code;
    planned.push(p);
    core.info(
      `Dry run: would publish ${JSON.stringify({ ...item.metadata, plot: item.plot?.path, code: item.code?.path })}`,
    );
  }
  if (inputs.summary) await writeSummary(core, dryRunSummary(planned, ctx));
}

// A summary that cannot be written (no GITHUB_STEP_SUMMARY, disk full) must not fail a
// publish that succeeded.
async function writeSummary(core: ActionCore, html: string): Promise<void> {
  try {
    core.summary.addRaw(html, true);
    await core.summary.write();
  } catch (err) {
    core.warning(
      `Could not write the job summary: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
