/**
 * GitHub Actions. On pull_request, pull_request_target, workflow_run and merge_group the
 * commit that matters is in the event payload: GITHUB_SHA there is a merge commit or the base
 * branch, which is not the code the author pushed.
 */

import type { CiContext, CiIo, CiProvider, Env, SourceContext } from './types.js';
import { branchFromRef, ciContext, httpUrl, posInt, sha, splitRepoPath, str } from './values.js';

interface Ref {
  sha?: string;
  ref?: string;
}
/** The parts of the event payloads read here; everything optional as payloads vary. */
interface EventPayload {
  number?: number;
  pull_request?: { number?: number; head?: Ref };
  workflow_run?: { head_sha?: string; head_branch?: string; pull_requests?: { number?: number }[] };
  merge_group?: { head_sha?: string; head_ref?: string; base_ref?: string };
}

function readEvent(env: Env, io: CiIo): EventPayload {
  const path = str(env.GITHUB_EVENT_PATH);
  if (!path) return {};
  try {
    const data = JSON.parse(io.readFile(path)) as unknown;
    return data && typeof data === 'object' ? (data as EventPayload) : {};
  } catch {
    // A missing or unreadable payload only costs the PR details; the env still has the rest.
    return {};
  }
}

/** The PR head (sha, branch, number) the event is about, when it is about one. */
function fromEvent(event: string | undefined, payload: EventPayload): SourceContext {
  switch (event) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment': {
      const pr = payload.pull_request;
      return {
        commit_sha: sha(pr?.head?.sha),
        branch: str(pr?.head?.ref),
        pr_number: posInt(pr?.number ?? payload.number),
      };
    }
    case 'workflow_run': {
      const run = payload.workflow_run;
      return {
        commit_sha: sha(run?.head_sha),
        branch: str(run?.head_branch),
        pr_number: posInt(run?.pull_requests?.[0]?.number),
      };
    }
    case 'merge_group': {
      // The queue tests head_sha (base + the queued PRs) on a temporary branch named
      // gh-readonly-queue/<base>/pr-<n>-<sha>; the lasting branch is the base.
      const mg = payload.merge_group;
      const pr = /\/pr-(\d+)-[0-9a-f]+$/.exec(mg?.head_ref ?? '')?.[1];
      return {
        commit_sha: sha(mg?.head_sha),
        branch: branchFromRef(mg?.base_ref),
        pr_number: posInt(pr),
      };
    }
    default:
      return {};
  }
}

function read(env: Env, io: CiIo): CiContext {
  const event = str(env.GITHUB_EVENT_NAME);
  const fromPayload = fromEvent(event, readEvent(env, io));
  const repository = str(env.GITHUB_REPOSITORY);
  const server = str(env.GITHUB_SERVER_URL) ?? 'https://github.com';
  const runId = str(env.GITHUB_RUN_ID);
  const attempt = posInt(env.GITHUB_RUN_ATTEMPT);
  const runUrl =
    repository && runId
      ? `${server}/${repository}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}`
      : undefined;
  return ciContext(
    {
      ...splitRepoPath(repository),
      commit_sha: fromPayload.commit_sha ?? sha(env.GITHUB_SHA),
      branch:
        fromPayload.branch ??
        str(env.GITHUB_HEAD_REF) ??
        (env.GITHUB_REF_TYPE === 'tag' ? undefined : branchFromRef(env.GITHUB_REF)),
      pr_number: fromPayload.pr_number,
    },
    {
      provider: 'github-actions',
      run_id: runId,
      run_attempt: attempt,
      job_url: httpUrl(runUrl),
      workflow: str(env.GITHUB_WORKFLOW),
      event,
    },
  );
}

export const githubActions: CiProvider = {
  provider: 'github-actions',
  detect: (env) => env.GITHUB_ACTIONS === 'true',
  read,
};
