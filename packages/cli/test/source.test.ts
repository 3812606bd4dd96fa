import { gitRunner, type RunGit } from '@snapshotplot/core';
import { makeRepo, type TempRepo } from '@snapshotplot/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRepoFlag, resolveSource } from '../src/source.js';

const noFiles = {
  readFile: () => {
    throw new Error('no file');
  },
};
const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.remove();
});

function repo() {
  const r = makeRepo({
    commits: [{ a: '1' }, { a: '2' }],
    branch: 'feature/git',
    remotes: { origin: 'https://github.com/git-owner/git-repo.git' },
  });
  repos.push(r);
  return r;
}

const gitlab = {
  GITLAB_CI: 'true',
  CI_PROJECT_PATH: 'ci-group/ci-repo',
  CI_COMMIT_SHA: 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1',
  CI_COMMIT_BRANCH: 'ci-branch',
  CI_PIPELINE_ID: '99',
};

describe('resolveSource', () => {
  it('uses git when there is no CI and no flag', async () => {
    const r = repo();
    expect(await resolveSource({}, { env: {}, io: noFiles, git: gitRunner(r.dir) })).toEqual({
      repo_owner: 'git-owner',
      repo_name: 'git-repo',
      commit_sha: r.commits[1],
      branch: 'feature/git',
    });
  });

  it('prefers CI over git, and flags over both, field by field', async () => {
    const r = repo();
    const git = gitRunner(r.dir);
    expect(await resolveSource({}, { env: gitlab, io: noFiles, git })).toEqual({
      repo_owner: 'ci-group',
      repo_name: 'ci-repo',
      commit_sha: gitlab.CI_COMMIT_SHA,
      branch: 'ci-branch',
      ci: { provider: 'gitlab-ci', run_id: '99' },
    });
    const flags = { repo: 'flag-org/sub/flag-repo', branch: 'flag-branch', pr: 7 };
    expect(await resolveSource(flags, { env: gitlab, io: noFiles, git })).toMatchObject({
      repo_owner: 'flag-org/sub',
      repo_name: 'flag-repo',
      commit_sha: gitlab.CI_COMMIT_SHA,
      branch: 'flag-branch',
      pr_number: 7,
    });
    const commit = 'f1f1f1f';
    expect(await resolveSource({ commit }, { env: {}, io: noFiles, git })).toMatchObject({
      commit_sha: commit,
      branch: 'feature/git',
      repo_name: 'git-repo',
    });
  });

  it('does not run git when flags and CI already answer everything', async () => {
    const calls: string[][] = [];
    const git: RunGit = async (args) => {
      calls.push(args);
      return undefined;
    };
    await resolveSource({}, { env: gitlab, io: noFiles, git });
    expect(calls).toEqual([]);
  });

  it('takes owner and name from one source, never mixing them', async () => {
    const r = repo();
    // CircleCI without the username: the name alone comes from CI, no owner is borrowed from git.
    const env = {
      CIRCLECI: 'true',
      CIRCLE_PROJECT_REPONAME: 'only-name',
      CIRCLE_SHA1: 'abcdef1',
      CIRCLE_BRANCH: 'b',
    };
    const got = await resolveSource({}, { env, io: noFiles, git: gitRunner(r.dir) });
    expect(got.repo_name).toBe('only-name');
    expect(got.repo_owner).toBeUndefined();
  });
});

describe('parseRepoFlag', () => {
  it('splits at the last slash and refuses a value without one', () => {
    expect(parseRepoFlag('octo/plots.git')).toEqual({ repo_owner: 'octo', repo_name: 'plots' });
    expect(() => parseRepoFlag('plots')).toThrow('give it as OWNER/NAME');
    expect(() => parseRepoFlag('octo/')).toThrow('give it as OWNER/NAME');
  });
});
