/**
 * Maps the workflow context (@actions/github's `context`) to the snapshot's git and CI fields.
 *
 * The commit is always the code the plot was made from: the PR head on pull_request and
 * pull_request_target (GITHUB_SHA there is a merge commit or the base branch), the triggering
 * run's head on workflow_run (the fork-safe path: the PR workflow uploads its plots as an
 * artifact and a trusted workflow_run workflow publishes them). The per-event rules live in
 * @snapshotplot/core's githubRunFields, shared with the CLI; the context object goes to it as is.
 */
import type { CiMetadata } from '@snapshotplot/api-client';
import {
  githubRunFields,
  githubRunFromContext,
  repoOfContext,
  str,
  type WorkflowContext,
} from '@snapshotplot/core';

export type { WorkflowContext };

export interface GitMetadata {
  repo_owner?: string;
  repo_name?: string;
  commit_sha?: string;
  branch?: string;
  pr_number?: number;
  ci: CiMetadata;
}

export interface ContextLinks {
  runUrl?: string;
  commitUrl?: string;
  prUrl?: string;
  /** On workflow_run: the run that produced the plots. */
  sourceRunUrl?: string;
}

export interface MappedContext {
  git: GitMetadata;
  links: ContextLinks;
  actor?: string;
  job?: string;
  /** A pull_request event from a fork: its workflow gets no secrets. */
  fromFork: boolean;
}

function isForkPullRequest(ctx: WorkflowContext): boolean {
  if (ctx.eventName !== 'pull_request') return false;
  const pr = ctx.payload?.pull_request;
  const head = str(pr?.head?.repo?.full_name);
  const base = str(pr?.base?.repo?.full_name);
  return !!head && !!base && head !== base;
}

/** The snapshot's repo, commit, branch, PR and CI fields plus links for the summary. */
export function mapContext(
  ctx: WorkflowContext,
  env: Record<string, string | undefined> = {},
): MappedContext {
  const repo = repoOfContext(ctx);
  const ev = githubRunFields(githubRunFromContext(ctx, env));
  const serverUrl = (str(ctx.serverUrl) ?? 'https://github.com').replace(/\/+$/, '');
  const repoUrl = repo ? `${serverUrl}/${repo.owner}/${repo.repo}` : undefined;
  const ci: CiMetadata = { provider: 'github-actions' };
  if (ev.run_id) ci.run_id = ev.run_id;
  if (ev.run_attempt) ci.run_attempt = ev.run_attempt;
  if (ev.job_url) ci.job_url = ev.job_url;
  if (str(ctx.workflow)) ci.workflow = ctx.workflow.slice(0, 200);
  if (ev.event) ci.event = ev.event.slice(0, 100);
  const sha = ev.commit_sha;
  return {
    git: {
      repo_owner: repo?.owner,
      repo_name: repo?.repo,
      commit_sha: sha,
      branch: ev.branch,
      pr_number: ev.pr_number,
      ci,
    },
    links: {
      runUrl: ev.job_url,
      commitUrl: repoUrl && sha ? `${repoUrl}/commit/${sha}` : undefined,
      prUrl: repoUrl && ev.pr_number ? `${repoUrl}/pull/${ev.pr_number}` : undefined,
      sourceRunUrl: ev.source_run_url,
    },
    actor: str(ctx.actor),
    job: str(ctx.job),
    fromFork: isForkPullRequest(ctx),
  };
}
