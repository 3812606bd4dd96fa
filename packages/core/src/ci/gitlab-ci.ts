/**
 * GitLab CI. In merge request pipelines (merged results in particular) CI_COMMIT_SHA can be a
 * merge commit; CI_MERGE_REQUEST_SOURCE_BRANCH_SHA is the head the author pushed.
 */

import { ciContext, httpUrl, posInt, sha, splitRepoPath, str } from '../values.js';
import type { CiProvider } from './types.js';

export const gitlabCi: CiProvider = {
  provider: 'gitlab-ci',
  detect: (env) => env.GITLAB_CI === 'true',
  read: (env) =>
    ciContext(
      {
        // CI_PROJECT_PATH keeps nested groups: group/subgroup/project.
        ...splitRepoPath(env.CI_PROJECT_PATH),
        commit_sha: sha(env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA) ?? sha(env.CI_COMMIT_SHA),
        branch: str(env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME) ?? str(env.CI_COMMIT_BRANCH),
        pr_number: posInt(env.CI_MERGE_REQUEST_IID),
      },
      {
        provider: 'gitlab-ci',
        run_id: str(env.CI_PIPELINE_ID),
        job_url: httpUrl(env.CI_JOB_URL ?? env.CI_PIPELINE_URL),
        workflow: str(env.CI_PIPELINE_NAME) ?? str(env.CI_JOB_NAME),
        event: str(env.CI_PIPELINE_SOURCE),
      },
    ),
};
