/**
 * Azure Pipelines. A PR build checks out refs/pull/N/merge (BUILD_SOURCEVERSION is that merge
 * commit); the head is SYSTEM_PULLREQUEST_SOURCECOMMITID and SYSTEM_PULLREQUEST_SOURCEBRANCH.
 */
import { parseRemoteUrl } from '../remote-url.js';
import { branchFromRef, ciContext, httpUrl, posInt, sha, splitRepoPath, str } from '../values.js';
import type { CiProvider } from './types.js';

export const azurePipelines: CiProvider = {
  provider: 'azure-pipelines',
  detect: (env) => env.TF_BUILD?.toLowerCase() === 'true',
  read: (env) => {
    const fromUri = parseRemoteUrl(env.BUILD_REPOSITORY_URI);
    // For GitHub repositories BUILD_REPOSITORY_NAME is owner/name; for Azure Repos just the name.
    const fromName = splitRepoPath(env.BUILD_REPOSITORY_NAME);
    const collection = str(env.SYSTEM_COLLECTIONURI)?.replace(/\/+$/, '');
    const project = str(env.SYSTEM_TEAMPROJECT);
    const buildId = str(env.BUILD_BUILDID);
    const jobUrl =
      collection && project && buildId
        ? `${collection}/${encodeURIComponent(project)}/_build/results?buildId=${buildId}`
        : undefined;
    return ciContext(
      {
        repo_owner: fromName.repo_owner ?? fromUri?.owner,
        repo_name: fromName.repo_name ?? fromUri?.name,
        commit_sha: sha(env.SYSTEM_PULLREQUEST_SOURCECOMMITID) ?? sha(env.BUILD_SOURCEVERSION),
        branch:
          branchFromRef(env.SYSTEM_PULLREQUEST_SOURCEBRANCH) ??
          branchFromRef(env.BUILD_SOURCEBRANCH),
        pr_number:
          posInt(env.SYSTEM_PULLREQUEST_PULLREQUESTNUMBER) ??
          posInt(env.SYSTEM_PULLREQUEST_PULLREQUESTID),
      },
      {
        provider: 'azure-pipelines',
        run_id: buildId,
        run_attempt: posInt(env.SYSTEM_JOBATTEMPT),
        job_url: httpUrl(jobUrl),
        workflow: str(env.BUILD_DEFINITIONNAME),
        event: str(env.BUILD_REASON),
      },
    );
  },
};
