/**
 * Maps the workflow context (@actions/github's `context`) to the snapshot's git and CI fields.
 *
 * The commit is always the code the plot was made from: the PR head on pull_request and
 * pull_request_target (GITHUB_SHA there is a merge commit or the base branch), the triggering
 * run's head on workflow_run (the fork-safe path: the PR workflow uploads its plots as an
 * artifact and a trusted workflow_run workflow publishes them).
 */
import type { CiMetadata } from '@snapshotplot/api-client';

/** The part of @actions/github's `Context` this action reads (structural, so tests pass plain objects). */
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

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const posInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;

/** `refs/heads/main` -> `main`; tags and other refs are not branches. */
export function branchFromRef(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/** owner/name of the context; undefined when the runner gave neither GITHUB_REPOSITORY nor a payload repository. */
function repoOf(ctx: WorkflowContext): { owner: string; repo: string } | undefined {
  try {
    const { owner, repo } = ctx.repo;
    return owner && repo ? { owner, repo } : undefined;
  } catch {
    return undefined;
  }
}

interface EventFields {
  sha?: string;
  branch?: string;
  pr?: number;
  sourceRunUrl?: string;
}

/** Commit, branch and PR per event; anything the payload lacks falls back to GITHUB_SHA/GITHUB_REF. */
function eventFields(ctx: WorkflowContext, env: Record<string, string | undefined>): EventFields {
  const p = ctx.payload ?? {};
  switch (ctx.eventName) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment': {
      const pr = p.pull_request ?? {};
      return {
        sha: str(pr.head?.sha),
        branch: str(pr.head?.ref),
        pr: posInt(pr.number ?? p.number),
      };
    }
    case 'workflow_run': {
      const wr = p.workflow_run ?? {};
      const sha = str(wr.head_sha);
      // GitHub lists only PRs from the same repository here; fork PRs come through
      // SNAPSHOTPLOT_PR_NUMBER (read from the artifact the PR workflow uploaded).
      const prs: Array<WorkflowContext['payload']> = Array.isArray(wr.pull_requests)
        ? wr.pull_requests
        : [];
      const match = prs.find((pr) => pr?.head?.sha === sha) ?? prs[0];
      return {
        sha,
        branch: str(wr.head_branch),
        pr: posInt(match?.number) ?? prNumberFromEnv(env),
        sourceRunUrl: str(wr.html_url),
      };
    }
    case 'merge_group': {
      const mg = p.merge_group ?? {};
      return { sha: str(mg.head_sha), branch: branchFromRef(str(mg.head_ref)) };
    }
    case 'workflow_dispatch':
      return { branch: branchFromRef(str(p.ref)) };
    case 'push':
      return {
        sha: str(p.after) && !/^0+$/.test(p.after) ? p.after : undefined,
        branch: branchFromRef(str(p.ref)),
      };
    default:
      return {};
  }
}

function isForkPullRequest(ctx: WorkflowContext): boolean {
  if (ctx.eventName !== 'pull_request') return false;
  const pr = ctx.payload?.pull_request;
  const head = str(pr?.head?.repo?.full_name);
  const base = str(pr?.base?.repo?.full_name);
  return !!head && !!base && head !== base;
}

/** A PR number given by the workflow (positive integer), e.g. for fork PRs on workflow_run. */
function prNumberFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = (env.SNAPSHOTPLOT_PR_NUMBER ?? '').trim();
  return /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : undefined;
}

/** The snapshot's repo, commit, branch, PR and CI fields plus links for the summary. */
export function mapContext(
  ctx: WorkflowContext,
  env: Record<string, string | undefined> = {},
): MappedContext {
  const repo = repoOf(ctx);
  const ev = eventFields(ctx, env);
  const sha = ev.sha ?? str(ctx.sha);
  const branch = ev.branch ?? branchFromRef(str(ctx.ref));
  const serverUrl = (str(ctx.serverUrl) ?? 'https://github.com').replace(/\/+$/, '');
  const repoUrl = repo ? `${serverUrl}/${repo.owner}/${repo.repo}` : undefined;
  const runId = posInt(ctx.runId);
  const runUrl = repoUrl && runId ? `${repoUrl}/actions/runs/${runId}` : undefined;
  const ci: CiMetadata = { provider: 'github-actions' };
  if (runId) ci.run_id = String(runId);
  if (posInt(ctx.runAttempt)) ci.run_attempt = ctx.runAttempt;
  if (runUrl) ci.job_url = runUrl;
  if (str(ctx.workflow)) ci.workflow = ctx.workflow.slice(0, 200);
  if (str(ctx.eventName)) ci.event = ctx.eventName.slice(0, 100);
  return {
    git: {
      repo_owner: repo?.owner,
      repo_name: repo?.repo,
      commit_sha: sha,
      branch,
      pr_number: ev.pr,
      ci,
    },
    links: {
      runUrl,
      commitUrl: repoUrl && sha ? `${repoUrl}/commit/${sha}` : undefined,
      prUrl: repoUrl && ev.pr ? `${repoUrl}/pull/${ev.pr}` : undefined,
      sourceRunUrl: ev.sourceRunUrl,
    },
    actor: str(ctx.actor),
    job: str(ctx.job),
    fromFork: isForkPullRequest(ctx),
  };
}
