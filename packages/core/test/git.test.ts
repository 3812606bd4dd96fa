import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitRunner, readGit } from '@snapshotplot/core';
import { makeRepo, type TempRepo } from '@snapshotplot/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

const repos: TempRepo[] = [];
const repo = (spec: Parameters<typeof makeRepo>[0]) => {
  const r = makeRepo(spec);
  repos.push(r);
  return r;
};
afterEach(() => {
  for (const r of repos.splice(0)) r.remove();
});

describe('readGit', () => {
  it('reads origin, the commit and the branch of a feature branch checkout', async () => {
    const r = repo({
      commits: [{ 'a.txt': '1' }, { 'a.txt': '2' }],
      branch: 'feature/loss-curve',
      remotes: { origin: 'git@gitlab.com:group/sub/plots.git', upstream: 'https://github.com/x/y' },
    });
    expect(await readGit(gitRunner(r.dir))).toEqual({
      repo_owner: 'group/sub',
      repo_name: 'plots',
      commit_sha: r.commits[1],
      branch: 'feature/loss-curve',
    });
  });

  it('uses the only remote when there is no origin', async () => {
    const r = repo({ remotes: { github: 'https://github.com/octo-org/plots.git' } });
    expect(await readGit(gitRunner(r.dir))).toMatchObject({
      repo_owner: 'octo-org',
      repo_name: 'plots',
    });
  });

  it('on a detached HEAD names the one branch pointing at it', async () => {
    const r = repo({ commits: [{ a: '1' }, { a: '2' }], branch: 'feature/x', detach: true });
    expect(await readGit(gitRunner(r.dir))).toEqual({
      commit_sha: r.commits[1],
      branch: 'feature/x',
    });
  });

  it('on a detached HEAD that several branches point at, gives no branch rather than a guess', async () => {
    const r = repo({ commits: [{ a: '1' }, { a: '2' }], branch: 'feature/x' });
    // main points at the first commit; a second branch there makes the answer ambiguous.
    r.git('checkout', '--quiet', '--detach', 'HEAD~1');
    r.git('branch', 'other');
    const got = await readGit(gitRunner(r.dir));
    expect(got.commit_sha).toBe(r.commits[0]);
    expect(got.branch).toBeUndefined();
  });

  it('asks git twice at most, side by side: the remote URL and one log line', async () => {
    const r = repo({
      commits: [{ a: '1' }, { a: '2' }],
      branch: 'feature/x',
      remotes: { origin: 'https://github.com/octo-org/plots.git' },
    });
    for (const detach of [false, true]) {
      if (detach) r.git('checkout', '--quiet', '--detach', 'HEAD');
      const calls: string[][] = [];
      const run = gitRunner(r.dir);
      const got = await readGit((args) => {
        calls.push(args);
        return run(args);
      });
      expect(got).toMatchObject({ commit_sha: r.commits[1], branch: 'feature/x' });
      expect(calls.map((a) => a[0])).toEqual(['remote', 'log']);
    }
  });

  it('names the unborn branch of a repository without commits', async () => {
    const r = repo({ commits: [{ a: '1' }], branch: 'feature/new' });
    r.git('checkout', '--quiet', '--orphan', 'fresh');
    expect(await readGit(gitRunner(r.dir))).toEqual({ branch: 'fresh' });
  });

  it('answers nothing outside a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapshotplot-nogit-'));
    try {
      expect(
        await readGit(gitRunner(dir, { ...process.env, GIT_CEILING_DIRECTORIES: tmpdir() })),
      ).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
