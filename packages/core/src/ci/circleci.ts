/** CircleCI. The PR number is only in the PR URL for same-repo PRs (CIRCLE_PR_NUMBER is forks-only). */

import { ciContext, httpUrl, posInt, sha, str } from '../values.js';
import type { CiProvider } from './types.js';

export const circleci: CiProvider = {
  provider: 'circleci',
  detect: (env) => env.CIRCLECI === 'true',
  read: (env) => {
    const prUrl = str(env.CIRCLE_PULL_REQUEST) ?? str(env.CIRCLE_PULL_REQUESTS)?.split(',')[0];
    return ciContext(
      {
        repo_owner: str(env.CIRCLE_PROJECT_USERNAME),
        repo_name: str(env.CIRCLE_PROJECT_REPONAME),
        commit_sha: sha(env.CIRCLE_SHA1),
        branch: str(env.CIRCLE_BRANCH),
        pr_number: posInt(env.CIRCLE_PR_NUMBER) ?? posInt(/\/pull\/(\d+)/.exec(prUrl ?? '')?.[1]),
      },
      {
        provider: 'circleci',
        run_id: str(env.CIRCLE_WORKFLOW_ID) ?? str(env.CIRCLE_BUILD_NUM),
        job_url: httpUrl(env.CIRCLE_BUILD_URL),
        workflow: str(env.CIRCLE_JOB),
      },
    );
  },
};
