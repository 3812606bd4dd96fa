/**
 * GitHub Actions. On pull_request, pull_request_target, workflow_run and merge_group the
 * commit that matters is in the event payload: GITHUB_SHA there is a merge commit or the base
 * branch, which is not the code the author pushed. The per-event rules are githubRunFields
 * (github-event.ts), shared with the GitHub Action.
 */

import { ciContext, splitRepoPath, str } from '../values.js';
import { githubEventFields } from './github-event.js';
import type { CiContext, CiIo, CiProvider, Env } from './types.js';

function readEvent(env: Env, io: CiIo): unknown {
  const path = str(env.GITHUB_EVENT_PATH);
  if (!path) return {};
  try {
    return JSON.parse(io.readFile(path)) as unknown;
  } catch {
    // A missing or unreadable payload only costs the PR details; the env still has the rest.
    return {};
  }
}

function read(env: Env, io: CiIo): CiContext {
  const fields = githubEventFields(env.GITHUB_EVENT_NAME, readEvent(env, io), env);
  return ciContext(
    {
      ...splitRepoPath(env.GITHUB_REPOSITORY),
      commit_sha: fields.commit_sha,
      branch: fields.branch,
      pr_number: fields.pr_number,
    },
    {
      provider: 'github-actions',
      run_id: fields.run_id,
      run_attempt: fields.run_attempt,
      job_url: fields.job_url,
      workflow: str(env.GITHUB_WORKFLOW),
      event: fields.event,
    },
  );
}

export const githubActions: CiProvider = {
  provider: 'github-actions',
  detect: (env) => env.GITHUB_ACTIONS === 'true',
  read,
};
