/**
 * Jenkins (git plugin and multibranch variables). GIT_BRANCH is often `origin/main`; on a
 * multibranch PR job BRANCH_NAME is `PR-42` and CHANGE_BRANCH is the source branch.
 */
import { parseRemoteUrl } from '../remote-url.js';
import { ciContext, httpUrl, posInt, sha, str } from '../values.js';
import type { CiProvider } from './types.js';

export const jenkins: CiProvider = {
  provider: 'jenkins',
  detect: (env) => !!str(env.JENKINS_URL) && !!str(env.BUILD_ID ?? env.BUILD_NUMBER),
  read: (env) => {
    const repo = parseRemoteUrl(env.GIT_URL ?? env.CHANGE_URL?.replace(/\/pull\/\d+$/, ''));
    const prNumber = posInt(env.CHANGE_ID);
    const gitBranch = str(env.GIT_BRANCH)?.replace(/^(refs\/heads\/|origin\/)/, '');
    return ciContext(
      {
        repo_owner: repo?.owner,
        repo_name: repo?.name,
        commit_sha: sha(env.GIT_COMMIT),
        branch:
          str(env.CHANGE_BRANCH) ?? (prNumber ? undefined : str(env.BRANCH_NAME)) ?? gitBranch,
        pr_number: prNumber,
      },
      {
        provider: 'jenkins',
        run_id: str(env.BUILD_NUMBER) ?? str(env.BUILD_ID),
        job_url: httpUrl(env.BUILD_URL),
        workflow: str(env.JOB_NAME),
      },
    );
  },
};
