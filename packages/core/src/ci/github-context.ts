/**
 * The GitHub Action's view of a run: @actions/github's `context` object, read directly (not
 * turned back into GITHUB_* variables) into the same GithubRun the CLI builds from the env.
 */
import { str } from '../values.js';
import type { GithubEnv, GithubRun } from './github-event.js';

/** The part of @actions/github's `Context` read here (structural, so tests pass plain objects). */
export interface WorkflowContext {
  eventName: string;
  // biome-ignore lint/suspicious/noExplicitAny: webhook payloads are untyped JSON here, checked field by field.
  payload: Record<string, any>;
  sha: string;
  ref: string;
  workflow: string;
  job: string;
  actor: string;
  runId: number;
  runAttempt: number;
  serverUrl: string;
  repo: { owner: string; repo: string };
}

/** owner/name of the context; undefined when the runner gave neither GITHUB_REPOSITORY nor a payload repository. */
export function repoOfContext(ctx: WorkflowContext): { owner: string; repo: string } | undefined {
  try {
    // @actions/github's `repo` getter throws when it has nothing to go on.
    const { owner, repo } = ctx.repo;
    return owner && repo ? { owner, repo } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The run of an @actions/github context. The context has no head ref, ref type or saved PR
 * number, so those three still come from the environment.
 */
export function githubRunFromContext(ctx: WorkflowContext, env: GithubEnv = {}): GithubRun {
  const repo = repoOfContext(ctx);
  return {
    eventName: str(ctx.eventName),
    payload: ctx.payload ?? {},
    sha: ctx.sha,
    ref: ctx.ref,
    refType: env.GITHUB_REF_TYPE,
    headRef: env.GITHUB_HEAD_REF,
    runId: ctx.runId || undefined,
    runAttempt: ctx.runAttempt || undefined,
    serverUrl: ctx.serverUrl,
    repository: repo ? `${repo.owner}/${repo.repo}` : undefined,
    prNumberHint: env.SNAPSHOTPLOT_PR_NUMBER,
  };
}
