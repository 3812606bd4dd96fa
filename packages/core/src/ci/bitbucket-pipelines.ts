/** Bitbucket Pipelines. */

import { ciContext, httpUrl, posInt, sha, str } from '../values.js';
import type { CiProvider } from './types.js';

export const bitbucketPipelines: CiProvider = {
  provider: 'bitbucket-pipelines',
  detect: (env) => !!str(env.BITBUCKET_BUILD_NUMBER) && !!str(env.BITBUCKET_COMMIT),
  read: (env) => {
    const origin = str(env.BITBUCKET_GIT_HTTP_ORIGIN)?.replace(/^http:/, 'https:');
    const build = str(env.BITBUCKET_BUILD_NUMBER);
    return ciContext(
      {
        repo_owner: str(env.BITBUCKET_WORKSPACE) ?? str(env.BITBUCKET_REPO_OWNER),
        repo_name: str(env.BITBUCKET_REPO_SLUG),
        commit_sha: sha(env.BITBUCKET_COMMIT),
        branch: str(env.BITBUCKET_BRANCH),
        pr_number: posInt(env.BITBUCKET_PR_ID),
      },
      {
        provider: 'bitbucket-pipelines',
        // The build number is what the Bitbucket UI shows and links to.
        run_id: build,
        job_url: httpUrl(origin && build ? `${origin}/pipelines/results/${build}` : undefined),
        // Bitbucket names no trigger; a PR id is the one thing it tells.
        event: str(env.BITBUCKET_PR_ID) ? 'pull_request' : undefined,
      },
    );
  },
};
