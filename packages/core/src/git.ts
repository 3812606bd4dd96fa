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
  return (await headState(git)).branch;
}

/**
 * The commit and the branch from one `git log -1` (its full ref decorations say both which
 * branch HEAD is attached to and which branches point at it), instead of a rev-parse, a
 * symbolic-ref and on a detached HEAD a for-each-ref. Only a repository without commits,
 * where log has nothing to show, asks symbolic-ref for the unborn branch's name.
 */
async function headState(git: RunGit): Promise<{ commit?: string; branch?: string }> {
  const out = await git(['log', '-1', '--no-show-signature', '--decorate=full', '--format=%H%n%D']);
  if (!out) {
    const unborn = await git(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    return unborn ? { branch: unborn } : {};
  }
  const [commit, decorations = ''] = out.split('\n');
  const refs = decorations.split(', ').filter(Boolean);
  const attached = refs.find((r) => r.startsWith('HEAD -> '));
  if (attached)
    return {
      commit: commit!,
      branch: attached.slice('HEAD -> '.length).replace(/^refs\/heads\//, ''),
    };
  const names = new Set(
    refs
      .filter((r) => /^refs\/(heads|remotes)\//.test(r) && !r.endsWith('/HEAD'))
      .map((r) => r.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, '')),
  );
  const branch = names.size === 1 ? [...names][0] : undefined;
  return branch ? { commit: commit!, branch } : { commit: commit! };
}

/** Repository, commit and branch of the working tree at `cwd` as far as git can tell. */
export async function readGit(git: RunGit): Promise<SourceContext> {
  // Two git processes, run side by side: the remote's URL and the log line.
  const [url, { commit, branch }] = await Promise.all([remoteUrl(git), headState(git)]);
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
