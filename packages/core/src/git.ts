/**
 * What plain git knows about the working tree: the origin remote's repository, the commit and
 * the branch. Git runs with execFile (no shell); a missing git or a folder outside a repository
 * gives an empty answer, never an error.
 */
import { execFile } from 'node:child_process';
import type { SourceContext } from './ci/types.js';
import { parseRemoteUrl } from './remote-url.js';

export type RunGit = (args: string[]) => Promise<string | undefined>;

/** Runs git in `cwd` and resolves its trimmed stdout, or undefined when git fails. */
export function gitRunner(cwd: string, env: NodeJS.ProcessEnv = process.env): RunGit {
  return (args) =>
    new Promise((resolve) => {
      execFile(
        'git',
        args,
        { cwd, env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }, timeout: 10_000 },
        (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined),
      );
    });
}

/** The remote to read the repository from: origin, else the only remote there is. */
async function remoteUrl(git: RunGit): Promise<string | undefined> {
  const origin = await git(['remote', 'get-url', 'origin']);
  if (origin) return origin;
  const remotes = (await git(['remote']))?.split('\n').filter(Boolean) ?? [];
  return remotes.length === 1 ? git(['remote', 'get-url', remotes[0]!]) : undefined;
}

/**
 * The branch checked out; on a detached HEAD (as CI checkouts are), the one branch that points
 * at HEAD, local or remote, when there is exactly one — else undefined rather than a guess.
 */
export async function currentBranch(git: RunGit): Promise<string | undefined> {
  const attached = await git(['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (attached) return attached;
  const refs = await git([
    'for-each-ref',
    '--points-at',
    'HEAD',
    '--format=%(refname)',
    'refs/heads',
    'refs/remotes',
  ]);
  const names = new Set(
    (refs?.split('\n') ?? [])
      .filter((r) => r && !r.endsWith('/HEAD'))
      .map((r) => r.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, '')),
  );
  return names.size === 1 ? [...names][0] : undefined;
}

/** Repository, commit and branch of the working tree at `cwd` as far as git can tell. */
export async function readGit(git: RunGit): Promise<SourceContext> {
  const [url, commit, branch] = await Promise.all([
    remoteUrl(git),
    git(['rev-parse', '--verify', '--quiet', 'HEAD']),
    currentBranch(git),
  ]);
  const repo = parseRemoteUrl(url);
  const out: SourceContext = {};
  if (repo) {
    out.repo_owner = repo.owner;
    out.repo_name = repo.name;
  }
  if (commit) out.commit_sha = commit;
  if (branch) out.branch = branch;
  return out;
}
