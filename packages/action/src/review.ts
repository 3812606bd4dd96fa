/**
 * After publishing: declare the job's publishing done and compare the head commit's plots with
 * their baselines (`client.compare`), then tell the pull request: the job summary, one PR
 * comment (created once, then edited in place, found by its hidden marker) and the commit
 * status `snapshotplot` on the head commit.
 *
 * Which events compare: pull_request and pull_request_target (head = the PR head, merge base
 * from GitHub's compare API, falling back to the PR's base sha), workflow_run from a pull
 * request (the fork-safe path), and any other event when `base-ref` names the branch to compare
 * against (push: status only, no comment). GitHub refusing a comment or status (403, 500, no
 * network) is a warning, never a failure; unapproved changes fail the step only with
 * `fail-on-change: true`.
 */
import { getOctokit } from '@actions/github';
import { ApiError, type Comparison, type SnapshotplotClient } from '@snapshotplot/api-client';
import {
  comparisonMarkdown,
  hasUnapprovedChanges,
  isOurComment,
  repoOfContext,
  str,
  type WorkflowContext,
} from '@snapshotplot/core';
import { getBooleanInput, getInput } from './inputs.js';

type Env = Record<string, string | undefined>;
type Octokit = ReturnType<typeof getOctokit>;

export interface ReviewInputs {
  /** Declare publishing done and compare (false in the jobs of a matrix but the last). */
  compare: boolean;
  comment: boolean;
  status: boolean;
  failOnChange: boolean;
  githubToken: string;
  /** The branch baselines come from; also enables comparing on push. */
  baseRef?: string;
}

export function parseReviewInputs(env: Env): ReviewInputs {
  return {
    compare: getBooleanInput(env, 'compare', true),
    comment: getBooleanInput(env, 'comment', true),
    status: getBooleanInput(env, 'status', true),
    failOnChange: getBooleanInput(env, 'fail-on-change', false),
    githubToken: getInput(env, 'github-token'),
    baseRef: getInput(env, 'base-ref') || undefined,
  };
}

export interface ReviewCore {
  info(message: string): void;
  warning(message: string): void;
  notice?(message: string): void;
  setOutput(name: string, value: string): void;
}

/** What to compare, read from the event; null when the event has nothing to compare. */
export interface ReviewTarget {
  owner: string;
  repo: string;
  head: string;
  /** The pull request's base sha (merge base fallback), or the base-ref on push. */
  baseCommitish?: string;
  baseBranch?: string;
  prNumber?: number;
  /** A pull_request event from a fork: its token cannot write to the base repository. */
  fromFork: boolean;
}

interface PullLike {
  number?: number;
  head?: { sha?: string; repo?: { full_name?: string } | null };
  base?: { sha?: string; ref?: string; repo?: { full_name?: string } | null };
}

/**
 * `prNumber` is the pull request the snapshots were recorded with (on workflow_run: the listed
 * PR whose head is the run's head, else SNAPSHOTPLOT_PR_NUMBER, as for publishing).
 */
export function reviewTarget(
  ctx: WorkflowContext,
  inputs: ReviewInputs,
  prNumber?: number,
): ReviewTarget | null {
  const repo = repoOfContext(ctx);
  if (!repo) return null;
  const { owner, repo: name } = repo;
  const payload = (ctx.payload ?? {}) as Record<string, unknown>;
  if (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') {
    const pr = payload.pull_request as PullLike | undefined;
    const head = str(pr?.head?.sha);
    if (!pr || !head) return null;
    const headRepo = str(pr.head?.repo?.full_name);
    const baseRepo = str(pr.base?.repo?.full_name);
    return {
      owner,
      repo: name,
      head,
      baseCommitish: str(pr.base?.sha),
      baseBranch: inputs.baseRef ?? str(pr.base?.ref),
      prNumber: pr.number,
      // pull_request_target runs in the base repository with its token: it may write.
      fromFork: ctx.eventName === 'pull_request' && !!headRepo && headRepo !== baseRepo,
    };
  }
  if (ctx.eventName === 'workflow_run') {
    const run = payload.workflow_run as
      | { head_sha?: string; pull_requests?: PullLike[] }
      | undefined;
    const head = str(run?.head_sha);
    if (!head) return null;
    const number = prNumber ?? run?.pull_requests?.[0]?.number;
    const pr = run?.pull_requests?.find((p) => p.number === number);
    if (!number && !inputs.baseRef) return null;
    return {
      owner,
      repo: name,
      head,
      baseCommitish: str(pr?.base?.sha) ?? (number ? undefined : inputs.baseRef),
      baseBranch: inputs.baseRef ?? str(pr?.base?.ref),
      prNumber: number,
      fromFork: false,
    };
  }
  if (!inputs.baseRef) return null;
  const head = str(ctx.sha);
  if (!head) return null;
  return {
    owner,
    repo: name,
    head,
    baseCommitish: inputs.baseRef,
    baseBranch: inputs.baseRef,
    fromFork: false,
  };
}

/** GitHub's error in one line: "403 Resource not accessible by integration". */
function githubError(err: unknown): string {
  const e = err as { status?: number; message?: string };
  if (typeof e?.status === 'number') return `GitHub answered ${e.status} (${e.message ?? ''})`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A workflow_run for a fork's PR does not carry the PR: its base commit and branch come from
 * GitHub (GET /pulls/{n}); without them the server falls back to the base branch.
 */
async function readPull(octokit: Octokit, t: ReviewTarget, core: ReviewCore): Promise<void> {
  try {
    const { data } = await octokit.rest.pulls.get({
      owner: t.owner,
      repo: t.repo,
      pull_number: t.prNumber as number,
    });
    t.baseCommitish = str(data.base?.sha);
    t.baseBranch ??= str(data.base?.ref);
  } catch (err) {
    core.info(`Could not read pull request #${t.prNumber} from GitHub (${githubError(err)}).`);
  }
}

/** The merge base of the PR (GitHub's compare API), else the PR's base sha, else none. */
async function mergeBase(
  octokit: Octokit | null,
  t: ReviewTarget,
  core: ReviewCore,
): Promise<string | undefined> {
  if (!t.baseCommitish) return undefined;
  const isSha = /^[0-9a-f]{7,64}$/i.test(t.baseCommitish);
  if (octokit) {
    try {
      const res = await octokit.rest.repos.compareCommitsWithBasehead({
        owner: t.owner,
        repo: t.repo,
        basehead: `${t.baseCommitish}...${t.head}`,
      });
      const sha = str(res.data.merge_base_commit?.sha);
      if (sha) return sha;
    } catch (err) {
      core.info(
        `Could not get the merge base from GitHub (${githubError(err)}); ${isSha ? `using the base commit ${t.baseCommitish}` : 'baselines come from the base branch'}.`,
      );
    }
  }
  return isSha ? t.baseCommitish : undefined;
}

export interface ReviewResult {
  comparison?: Comparison;
  /** The step's failure message (fail-on-change with unapproved changes). */
  failure?: string;
}

export interface ReviewOptions {
  env: Env;
  context: WorkflowContext;
  inputs: ReviewInputs;
  projectId: string;
  client: SnapshotplotClient;
  core: ReviewCore;
  /** The PR the snapshots were recorded with (mapContext), for workflow_run. */
  prNumber?: number;
  /** Adds the comparison to the job summary (when summaries are on). */
  addSummary?: (markdown: string) => Promise<void>;
}

/** Compares and reports; throws only when the snapshotplot server fails the comparison. */
export async function review(o: ReviewOptions): Promise<ReviewResult> {
  const { core, inputs } = o;
  const notice = (m: string) => (core.notice ? core.notice(m) : core.info(m));
  const t = reviewTarget(o.context, inputs, o.prNumber);
  if (!t) {
    core.info(
      `No comparison on a ${o.context.eventName || 'unknown'} event: it runs on pull requests, or give base-ref to compare against a branch.`,
    );
    return {};
  }
  const octokit = inputs.githubToken
    ? getOctokit(inputs.githubToken, {
        baseUrl: (o.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
        log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
        request: { retries: 0 },
      })
    : null;
  if (t.prNumber && !t.baseCommitish && octokit) await readPull(octokit, t, core);
  const base = await mergeBase(octokit, t, core);
  let comparison: Comparison;
  try {
    comparison = await o.client.compare(o.projectId, {
      head: t.head,
      ...(base ? { base } : {}),
      ...(t.baseBranch ? { base_branch: t.baseBranch } : {}),
      ...(t.prNumber ? { pr_number: t.prNumber } : {}),
    });
  } catch (err) {
    // A server from before plot review: the publish succeeded, so this is no reason to fail.
    if (err instanceof ApiError && (err.status === 405 || err.status === 501)) {
      core.warning(
        `The snapshotplot server does not compare plots (HTTP ${err.status}): upgrade it to a version with plot review, or set \`compare: false\`. The plots were published.`,
      );
      return {};
    }
    throw err;
  }
  const s = comparison.summary;
  core.info(
    `Compared ${t.head.slice(0, 12)} with ${base ? base.slice(0, 12) : `branch ${comparison.base_branch}`}: ${comparison.description} (status ${comparison.status}).${comparison.review_url ? ` Review: ${comparison.review_url}` : ''}`,
  );
  core.setOutput('changed', String(s.changed + s.removed));
  core.setOutput('new', String(s.new));
  core.setOutput('unchanged', String(s.unchanged));
  core.setOutput('comparison-status', comparison.status);
  core.setOutput('review-url', comparison.review_url ?? '');

  const markdown = comparisonMarkdown(comparison);
  if (o.addSummary) await o.addSummary(markdown);

  if ((inputs.comment && t.prNumber) || inputs.status) {
    if (t.fromFork) {
      notice(
        'This pull request comes from a fork: its token cannot write to the base repository, so the snapshotplot comment and commit status are skipped. Post them from a workflow_run workflow (see "Pull requests from forks" in the action README).',
      );
    } else if (!octokit) {
      notice('github-token is empty: the snapshotplot comment and commit status are skipped.');
    } else {
      if (inputs.comment && t.prNumber)
        await upsertComment(octokit, t, o.projectId, markdown, core);
      if (inputs.status) await postStatus(octokit, t, comparison, core);
    }
  }

  if (inputs.failOnChange && hasUnapprovedChanges(comparison)) {
    const open = s.changed + s.removed - s.approved;
    return {
      comparison,
      failure: `${open} plot change${open === 1 ? ' is' : 's are'} not approved (${comparison.description}); fail-on-change is true.${comparison.review_url ? ` Review them at ${comparison.review_url}` : ''}`,
    };
  }
  return { comparison };
}

const PERMISSION_HINT: Record<string, string> = {
  comment: 'give the job `permissions: pull-requests: write`',
  status: 'give the job `permissions: statuses: write`',
};

async function upsertComment(
  octokit: Octokit,
  t: ReviewTarget,
  projectId: string,
  body: string,
  core: ReviewCore,
): Promise<void> {
  const issue = { owner: t.owner, repo: t.repo, issue_number: t.prNumber as number };
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...issue,
      per_page: 100,
    });
    const ours = comments.find((c) => isOurComment(c.body, projectId));
    if (ours) {
      await octokit.rest.issues.updateComment({
        owner: t.owner,
        repo: t.repo,
        comment_id: ours.id,
        body,
      });
      core.info(`Updated the snapshotplot comment on pull request #${t.prNumber}.`);
    } else {
      await octokit.rest.issues.createComment({ ...issue, body });
      core.info(`Commented on pull request #${t.prNumber}.`);
    }
  } catch (err) {
    const status = (err as { status?: number }).status;
    const hint = status === 403 || status === 404 ? `: ${PERMISSION_HINT.comment}` : '';
    core.warning(
      `Could not post the snapshotplot comment on pull request #${t.prNumber}: ${githubError(err)}${hint}. The step goes on.`,
    );
  }
}

async function postStatus(
  octokit: Octokit,
  t: ReviewTarget,
  c: Comparison,
  core: ReviewCore,
): Promise<void> {
  try {
    await octokit.rest.repos.createCommitStatus({
      owner: t.owner,
      repo: t.repo,
      sha: t.head,
      state: c.status,
      context: 'snapshotplot',
      description: c.description.slice(0, 140),
      ...(c.review_url ? { target_url: c.review_url } : {}),
    });
    core.info(`Set the commit status snapshotplot=${c.status} on ${t.head.slice(0, 12)}.`);
  } catch (err) {
    const status = (err as { status?: number }).status;
    const hint = status === 403 || status === 404 ? `: ${PERMISSION_HINT.status}` : '';
    core.warning(
      `Could not set the snapshotplot commit status on ${t.head.slice(0, 12)}: ${githubError(err)}${hint}. The step goes on.`,
    );
  }
}
