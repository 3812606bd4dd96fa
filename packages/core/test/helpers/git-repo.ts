/** Builds a throwaway git repository from a plain object, for git and end-to-end tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RepoSpec {
  /** Commits in order, each a map of file name -> content. */
  commits?: Array<Record<string, string>>;
  /** Branch created after the first commit and checked out for the rest. */
  branch?: string;
  /** Remote name -> URL. */
  remotes?: Record<string, string>;
  /** Leave HEAD detached at the last commit. */
  detach?: boolean;
}

export interface TempRepo {
  dir: string;
  /** Commit ids in order. */
  commits: string[];
  git(...args: string[]): string;
  remove(): void;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A repository in a new temp folder, built as `spec` says. */
export function makeRepo(spec: RepoSpec = {}): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), 'snapshotplot-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  const commits: string[] = [];
  (spec.commits ?? [{ 'README.md': '# test\n' }]).forEach((files, i) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    git('add', '--all');
    git('commit', '--quiet', '--allow-empty', '-m', `commit ${i + 1}`);
    commits.push(git('rev-parse', 'HEAD'));
    if (i === 0 && spec.branch) git('checkout', '--quiet', '-b', spec.branch);
  });
  for (const [name, url] of Object.entries(spec.remotes ?? {})) git('remote', 'add', name, url);
  if (spec.detach) git('checkout', '--quiet', '--detach');
  return { dir, commits, git, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
