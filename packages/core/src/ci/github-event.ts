/**
 * The snapshot's commit, branch, PR and run link for a GitHub Actions run, from the event
 * payload and the runner's environment. One implementation for the CLI and the action, so a
 * snapshot records the same source whichever of them published it.
 *
 * The commit is the code the plot was made from: on pull_request-like events and
 * workflow_run it is the PR or run head (GITHUB_SHA there is a merge commit or the base
 * branch); on merge_group the queue's head commit, recorded on the base branch with the
 * queued PR, since the gh-readonly-queue/* branch is deleted once the queue moves on.
 */

import { at, branchFromRef, httpUrl, posInt, sha, str } from '../values.js';

/** What the runner exports (GITHUB_*) plus SNAPSHOTPLOT_PR_NUMBER, all optional. */
export type GithubEnv = Readonly<Record<string, string | undefined>>;

/**
 * One GitHub Actions run as the rules below read it, whichever way it was learned: from the
 * runner's GITHUB_* variables (the CLI, `githubRunFromEnv`) or from @actions/github's context
 * object (the action, `githubRunFromContext`).
 */
export interface GithubRun {
  eventName?: string | undefined;
  payload: unknown;
  sha?: string | undefined;
  ref?: string | undefined;
  /** GITHUB_REF_TYPE: `tag` refs are no branch. */
  refType?: string | undefined;
  /** GITHUB_HEAD_REF: the PR head branch on pull_request events. */
  headRef?: string | undefined;
  runId?: string | number | undefined;
  runAttempt?: string | number | undefined;
  serverUrl?: string | undefined;
  /** owner/name */
  repository?: string | undefined;
  /** SNAPSHOTPLOT_PR_NUMBER: a fork PR's number saved by the PR workflow, for workflow_run. */
  prNumberHint?: string | undefined;
}

export interface GithubEventFields {
  /** GITHUB_EVENT_NAME or the name given. */
  event?: string;
  commit_sha?: string;
  branch?: string;
  pr_number?: number;
  run_id?: string;
  run_attempt?: number;
  /** The run page; `/attempts/N` only on a re-run, as the plain URL shows the first attempt. */
  job_url?: string;
  /** workflow_run: the run that produced the plots (the publishing run is `job_url`). */
  source_run_url?: string;
}

type Source = Pick<GithubEventFields, 'commit_sha' | 'branch' | 'pr_number' | 'source_run_url'>;

/** The fields the payload of this event carries; the caller falls back to the environment. */
function fromPayload(event: string | undefined, p: unknown, prNumberHint: unknown): Source {
  switch (event) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment':
      return {
        commit_sha: sha(at(p, 'pull_request', 'head', 'sha')),
        branch: str(at(p, 'pull_request', 'head', 'ref')),
        pr_number: posInt(at(p, 'pull_request', 'number') ?? at(p, 'number')),
      };
    case 'workflow_run': {
      const headSha = str(at(p, 'workflow_run', 'head_sha'));
      const prs = at(p, 'workflow_run', 'pull_requests');
      const list: unknown[] = Array.isArray(prs) ? prs : [];
      const match = list.find((pr) => at(pr, 'head', 'sha') === headSha) ?? list[0];
      return {
        commit_sha: sha(headSha),
        branch: str(at(p, 'workflow_run', 'head_branch')),
        // GitHub lists only same-repository PRs here; for a fork PR the workflow passes the
        // number it saved in an artifact.
        pr_number: posInt(at(match, 'number')) ?? posInt(prNumberHint),
        source_run_url: str(at(p, 'workflow_run', 'html_url')),
      };
    }
    case 'merge_group': {
      // head_ref is gh-readonly-queue/<base>/pr-<n>-<sha>, a temporary branch.
      const headRef = str(at(p, 'merge_group', 'head_ref')) ?? '';
      return {
        commit_sha: sha(at(p, 'merge_group', 'head_sha')),
        branch: branchFromRef(at(p, 'merge_group', 'base_ref')),
        pr_number: posInt(/\/pr-(\d+)-[0-9a-f]+$/.exec(headRef)?.[1]),
      };
    }
    case 'push':
      return { commit_sha: sha(at(p, 'after')), branch: branchFromRef(at(p, 'ref')) };
    case 'workflow_dispatch':
      return { branch: branchFromRef(at(p, 'ref')) };
    default:
      return {};
  }
}

/** The run the runner's GITHUB_* variables describe, with the event payload already read. */
export function githubRunFromEnv(env: GithubEnv, payload: unknown, eventName?: string): GithubRun {
  return {
    eventName: str(eventName) ?? env.GITHUB_EVENT_NAME,
    payload,
    sha: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    refType: env.GITHUB_REF_TYPE,
    headRef: env.GITHUB_HEAD_REF,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    serverUrl: env.GITHUB_SERVER_URL,
    repository: env.GITHUB_REPOSITORY,
    prNumberHint: env.SNAPSHOTPLOT_PR_NUMBER,
  };
}

/**
 * Commit, branch, PR and run fields of a GitHub Actions run: the payload's values for the
 * event first, then the run's sha / head ref / ref. Undefined fields are left out.
 */
export function githubRunFields(run: GithubRun): GithubEventFields {
  const event = str(run.eventName);
  const src = fromPayload(event, run.payload, run.prNumberHint);
  const branch =
    src.branch ?? str(run.headRef) ?? (run.refType === 'tag' ? undefined : branchFromRef(run.ref));
  const runId = typeof run.runId === 'number' ? String(run.runId) : str(run.runId);
  const attempt = posInt(run.runAttempt);
  const server = (str(run.serverUrl) ?? 'https://github.com').replace(/\/+$/, '');
  const repository = str(run.repository);
  const runUrl =
    repository && runId && /^\d+$/.test(runId)
      ? `${server}/${repository}/actions/runs/${runId}${attempt && attempt > 1 ? `/attempts/${attempt}` : ''}`
      : undefined;
  const fields: GithubEventFields = {
    event,
    commit_sha: src.commit_sha ?? sha(run.sha),
    branch,
    pr_number: src.pr_number,
    run_id: runId,
    run_attempt: attempt,
    job_url: httpUrl(runUrl),
    source_run_url: src.source_run_url,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as GithubEventFields;
}

/** githubRunFields for the runner's environment: what the CLI sees inside GitHub Actions. */
export function githubEventFields(
  eventName: string | undefined,
  payload: unknown,
  env: GithubEnv,
): GithubEventFields {
  return githubRunFields(githubRunFromEnv(env, payload, eventName));
}
