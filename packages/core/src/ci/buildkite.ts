/** Buildkite. BUILDKITE_COMMIT may be "HEAD" before checkout; then git answers instead. */
import { parseRemoteUrl } from '../remote-url.js';
import { ciContext, httpUrl, posInt, sha, str } from '../values.js';
import type { CiProvider } from './types.js';

export const buildkite: CiProvider = {
  provider: 'buildkite',
  detect: (env) => env.BUILDKITE === 'true',
  read: (env) => {
    const repo = parseRemoteUrl(env.BUILDKITE_REPO);
    const buildUrl = str(env.BUILDKITE_BUILD_URL);
    const jobId = str(env.BUILDKITE_JOB_ID);
    const retries = Number(env.BUILDKITE_RETRY_COUNT);
    return ciContext(
      {
        repo_owner: repo?.owner,
        repo_name: repo?.name,
        commit_sha: sha(env.BUILDKITE_COMMIT),
        branch: str(env.BUILDKITE_BRANCH),
        // "false" when the build is not for a pull request.
        pr_number: posInt(env.BUILDKITE_PULL_REQUEST),
      },
      {
        provider: 'buildkite',
        run_id: str(env.BUILDKITE_BUILD_ID),
        // BUILDKITE_RETRY_COUNT counts retries of this job: attempt = retries + 1.
        run_attempt: Number.isInteger(retries) && retries >= 0 ? retries + 1 : undefined,
        job_url: httpUrl(buildUrl && jobId ? `${buildUrl}#${jobId}` : buildUrl),
        workflow: str(env.BUILDKITE_PIPELINE_SLUG),
        event: str(env.BUILDKITE_SOURCE),
      },
    );
  },
};
