import { detectCi, type Env } from '@snapshotplot/core';
import { describe, expect, it } from 'vitest';

const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const MERGE = 'ffffffffffffffffffffffffffffffffffffffff';

/** Reads recorded event payloads by path, as GITHUB_EVENT_PATH points to them. */
function io(files: Record<string, unknown> = {}) {
  return {
    readFile(path: string) {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      return JSON.stringify(files[path]);
    },
  };
}

const github: Env = {
  CI: 'true',
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'octo-org/plots',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_WORKFLOW: 'Figures',
  GITHUB_EVENT_PATH: '/home/runner/work/_temp/_github_workflow/event.json',
};
const githubCi = {
  provider: 'github-actions',
  run_id: '9876543210',
  run_attempt: 2,
  job_url: 'https://github.com/octo-org/plots/actions/runs/9876543210/attempts/2',
  workflow: 'Figures',
};

describe('GitHub Actions', () => {
  it('reads a push: GITHUB_SHA and the branch of GITHUB_REF', () => {
    const env = {
      ...github,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: HEAD,
      GITHUB_REF: 'refs/heads/feature/x',
      GITHUB_REF_TYPE: 'branch',
    };
    expect(detectCi(env, io())).toEqual({
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'feature/x',
      ci: { ...githubCi, event: 'push' },
    });
  });

  it('gives no branch for a tag push', () => {
    const env = {
      ...github,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: HEAD,
      GITHUB_REF: 'refs/tags/v1.0',
      GITHUB_REF_TYPE: 'tag',
    };
    expect(detectCi(env, io())?.branch).toBeUndefined();
  });

  for (const event of ['pull_request', 'pull_request_target']) {
    it(`takes the PR head sha and head ref on ${event}, not the merge commit`, () => {
      const env = {
        ...github,
        GITHUB_EVENT_NAME: event,
        GITHUB_SHA: MERGE,
        GITHUB_REF: 'refs/pull/42/merge',
        GITHUB_HEAD_REF: 'feature/x',
        GITHUB_BASE_REF: 'main',
      };
      const payload = {
        number: 42,
        pull_request: {
          number: 42,
          head: { sha: HEAD, ref: 'feature/x' },
          base: { sha: MERGE, ref: 'main' },
        },
      };
      const got = detectCi(env, io({ [github.GITHUB_EVENT_PATH!]: payload }));
      expect(got).toMatchObject({
        commit_sha: HEAD,
        branch: 'feature/x',
        pr_number: 42,
        ci: { event },
      });
    });
  }

  it('takes the triggering run head on workflow_run', () => {
    const env = {
      ...github,
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_SHA: MERGE,
      GITHUB_REF: 'refs/heads/main',
    };
    const payload = {
      workflow_run: { head_sha: HEAD, head_branch: 'feature/y', pull_requests: [{ number: 7 }] },
    };
    expect(detectCi(env, io({ [github.GITHUB_EVENT_PATH!]: payload }))).toMatchObject({
      commit_sha: HEAD,
      branch: 'feature/y',
      pr_number: 7,
    });
  });

  it('takes the queue head sha, the base branch and the PR number on merge_group', () => {
    const env = {
      ...github,
      GITHUB_EVENT_NAME: 'merge_group',
      GITHUB_SHA: HEAD,
      GITHUB_REF: 'refs/heads/gh-readonly-queue/main/pr-42-abc',
    };
    const payload = {
      merge_group: {
        head_sha: HEAD,
        head_ref: `refs/heads/gh-readonly-queue/main/pr-42-${MERGE}`,
        base_ref: 'refs/heads/main',
      },
    };
    expect(detectCi(env, io({ [github.GITHUB_EVENT_PATH!]: payload }))).toMatchObject({
      commit_sha: HEAD,
      branch: 'main',
      pr_number: 42,
    });
  });

  it('falls back to the environment when the event payload cannot be read', () => {
    const env = {
      ...github,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_SHA: MERGE,
      GITHUB_HEAD_REF: 'feature/x',
    };
    expect(detectCi(env, io())).toMatchObject({ commit_sha: MERGE, branch: 'feature/x' });
    expect(detectCi(env, io())?.pr_number).toBeUndefined();
  });
});

describe('other providers', () => {
  it('GitLab CI: nested groups, merge request source sha and branch', () => {
    const env = {
      GITLAB_CI: 'true',
      CI: 'true',
      CI_PROJECT_PATH: 'group/subgroup/plots',
      CI_COMMIT_SHA: MERGE,
      CI_COMMIT_BRANCH: '',
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD,
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/x',
      CI_MERGE_REQUEST_IID: '17',
      CI_PIPELINE_ID: '1234',
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_JOB_NAME: 'figures',
      CI_JOB_URL: 'https://gitlab.com/group/subgroup/plots/-/jobs/5678',
    };
    expect(detectCi(env, io())).toEqual({
      repo_owner: 'group/subgroup',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'feature/x',
      pr_number: 17,
      ci: {
        provider: 'gitlab-ci',
        run_id: '1234',
        job_url: 'https://gitlab.com/group/subgroup/plots/-/jobs/5678',
        workflow: 'figures',
        event: 'merge_request_event',
      },
    });
  });

  it('GitLab CI: a branch pipeline', () => {
    const env = {
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'team/plots',
      CI_COMMIT_SHA: HEAD,
      CI_COMMIT_BRANCH: 'main',
      CI_PIPELINE_SOURCE: 'push',
    };
    expect(detectCi(env, io())).toMatchObject({
      commit_sha: HEAD,
      branch: 'main',
      repo_owner: 'team',
    });
    expect(detectCi(env, io())?.pr_number).toBeUndefined();
  });

  it('CircleCI: PR number from the pull request URL', () => {
    const env = {
      CIRCLECI: 'true',
      CI: 'true',
      CIRCLE_PROJECT_USERNAME: 'octo-org',
      CIRCLE_PROJECT_REPONAME: 'plots',
      CIRCLE_SHA1: HEAD,
      CIRCLE_BRANCH: 'feature/x',
      CIRCLE_PULL_REQUEST: 'https://github.com/octo-org/plots/pull/42',
      CIRCLE_WORKFLOW_ID: '6f1e0c52-9b7a-4b8e-9d4f-1a2b3c4d5e6f',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/octo-org/plots/321',
      CIRCLE_JOB: 'build',
    };
    expect(detectCi(env, io())).toEqual({
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'feature/x',
      pr_number: 42,
      ci: {
        provider: 'circleci',
        run_id: '6f1e0c52-9b7a-4b8e-9d4f-1a2b3c4d5e6f',
        job_url: 'https://circleci.com/gh/octo-org/plots/321',
        workflow: 'build',
      },
    });
  });

  it('Buildkite: repo from the remote, attempt from the retry count, "false" PR ignored', () => {
    const env = {
      BUILDKITE: 'true',
      CI: 'true',
      BUILDKITE_REPO: 'git@github.com:octo-org/plots.git',
      BUILDKITE_COMMIT: HEAD,
      BUILDKITE_BRANCH: 'main',
      BUILDKITE_PULL_REQUEST: 'false',
      BUILDKITE_BUILD_ID: '0190-aaaa',
      BUILDKITE_BUILD_URL: 'https://buildkite.com/octo/plots/builds/12',
      BUILDKITE_JOB_ID: '0190-bbbb',
      BUILDKITE_RETRY_COUNT: '1',
      BUILDKITE_PIPELINE_SLUG: 'plots',
      BUILDKITE_SOURCE: 'webhook',
    };
    expect(detectCi(env, io())).toEqual({
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'main',
      ci: {
        provider: 'buildkite',
        run_id: '0190-aaaa',
        run_attempt: 2,
        job_url: 'https://buildkite.com/octo/plots/builds/12#0190-bbbb',
        workflow: 'plots',
        event: 'webhook',
      },
    });
    expect(detectCi({ ...env, BUILDKITE_COMMIT: 'HEAD' }, io())?.commit_sha).toBeUndefined();
  });

  it('Jenkins: multibranch PR job and a plain job with origin/ branch', () => {
    const pr = {
      JENKINS_URL: 'https://ci.example.com/',
      BUILD_ID: '55',
      BUILD_NUMBER: '55',
      BUILD_URL: 'https://ci.example.com/job/plots/job/PR-42/55/',
      JOB_NAME: 'plots/PR-42',
      BRANCH_NAME: 'PR-42',
      CHANGE_ID: '42',
      CHANGE_BRANCH: 'feature/x',
      CHANGE_URL: 'https://github.com/octo-org/plots/pull/42',
      GIT_COMMIT: HEAD,
    };
    expect(detectCi(pr, io())).toEqual({
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'feature/x',
      pr_number: 42,
      ci: {
        provider: 'jenkins',
        run_id: '55',
        job_url: 'https://ci.example.com/job/plots/job/PR-42/55/',
        workflow: 'plots/PR-42',
      },
    });
    const plain = {
      JENKINS_URL: 'https://ci.example.com/',
      BUILD_NUMBER: '9',
      GIT_URL: 'https://git.example.com/team/plots.git',
      GIT_BRANCH: 'origin/main',
      GIT_COMMIT: HEAD,
    };
    expect(detectCi(plain, io())).toMatchObject({
      repo_owner: 'team',
      branch: 'main',
      commit_sha: HEAD,
    });
  });

  it('Azure Pipelines: GitHub PR build takes the source commit, not the merge', () => {
    const env = {
      TF_BUILD: 'True',
      BUILD_REPOSITORY_NAME: 'octo-org/plots',
      BUILD_REPOSITORY_URI: 'https://github.com/octo-org/plots',
      BUILD_SOURCEVERSION: MERGE,
      BUILD_SOURCEBRANCH: 'refs/pull/42/merge',
      SYSTEM_PULLREQUEST_SOURCEBRANCH: 'refs/heads/feature/x',
      SYSTEM_PULLREQUEST_SOURCECOMMITID: HEAD,
      SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: '42',
      BUILD_BUILDID: '777',
      SYSTEM_JOBATTEMPT: '3',
      SYSTEM_COLLECTIONURI: 'https://dev.azure.com/octo/',
      SYSTEM_TEAMPROJECT: 'My Project',
      BUILD_DEFINITIONNAME: 'plots-ci',
      BUILD_REASON: 'PullRequest',
    };
    expect(detectCi(env, io())).toEqual({
      repo_owner: 'octo-org',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'feature/x',
      pr_number: 42,
      ci: {
        provider: 'azure-pipelines',
        run_id: '777',
        run_attempt: 3,
        job_url: 'https://dev.azure.com/octo/My%20Project/_build/results?buildId=777',
        workflow: 'plots-ci',
        event: 'PullRequest',
      },
    });
  });

  it('Azure Pipelines: Azure Repos CI build reads owner from the repository URI', () => {
    const env = {
      TF_BUILD: 'True',
      BUILD_REPOSITORY_NAME: 'plots',
      BUILD_REPOSITORY_URI: 'https://octo@dev.azure.com/octo/Proj/_git/plots',
      BUILD_SOURCEVERSION: HEAD,
      BUILD_SOURCEBRANCH: 'refs/heads/main',
      BUILD_REASON: 'IndividualCI',
    };
    expect(detectCi(env, io())).toMatchObject({
      repo_owner: 'octo/Proj',
      repo_name: 'plots',
      branch: 'main',
      commit_sha: HEAD,
    });
  });

  it('Bitbucket Pipelines', () => {
    const env = {
      CI: 'true',
      BITBUCKET_BUILD_NUMBER: '31',
      BITBUCKET_COMMIT: HEAD,
      BITBUCKET_BRANCH: 'feature/x',
      BITBUCKET_PR_ID: '5',
      BITBUCKET_WORKSPACE: 'octo',
      BITBUCKET_REPO_SLUG: 'plots',
      BITBUCKET_GIT_HTTP_ORIGIN: 'http://bitbucket.org/octo/plots',
    };
    expect(detectCi(env, io())).toEqual({
      repo_owner: 'octo',
      repo_name: 'plots',
      commit_sha: HEAD,
      branch: 'feature/x',
      pr_number: 5,
      ci: {
        provider: 'bitbucket-pipelines',
        run_id: '31',
        job_url: 'https://bitbucket.org/octo/plots/pipelines/results/31',
        event: 'pull_request',
      },
    });
  });

  it('an unknown CI with CI=true is "other"; a laptop is no CI', () => {
    expect(detectCi({ CI: 'true' }, io())).toEqual({ ci: { provider: 'other' } });
    expect(detectCi({ HOME: '/home/me', CI: 'false' }, io())).toBeUndefined();
  });
});
