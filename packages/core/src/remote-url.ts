/**
 * Owner and name of a repository from a git remote URL: https, ssh:// and scp-like
 * (`git@host:owner/name.git`), on GitHub, GitLab (nested groups), Bitbucket, Azure DevOps or
 * any self-hosted server.
 */

export interface RepoRef {
  host: string;
  owner: string;
  name: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Host and path of a remote, whatever its syntax; undefined for local paths. */
function hostAndPath(url: string): { host: string; path: string } | undefined {
  const u = url.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    try {
      const parsed = new URL(u);
      if (parsed.protocol === 'file:' || !parsed.hostname) return undefined;
      return { host: parsed.hostname.toLowerCase(), path: decodeURIComponent(parsed.pathname) };
    } catch {
      return undefined;
    }
  }
  // scp-like: [user@]host:path, where host has no slash (else it is a local path).
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && scp[1]!.length > 1) return { host: scp[1]!.toLowerCase(), path: scp[2]! };
  return undefined;
}

/** `{ host, owner, name }` of a git remote URL, or undefined when it names no repository. */
export function parseRemoteUrl(url: string | undefined): RepoRef | undefined {
  if (!url) return undefined;
  const hp = hostAndPath(url);
  if (!hp) return undefined;
  let parts = hp.path
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  // Azure DevOps: https://dev.azure.com/org/project/_git/repo, git@ssh.dev.azure.com:v3/org/project/repo
  const gitIdx = parts.indexOf('_git');
  if (gitIdx >= 0) parts = [...parts.slice(0, gitIdx), ...parts.slice(gitIdx + 1)];
  if (hp.host === 'ssh.dev.azure.com' && parts[0] === 'v3') parts = parts.slice(1);
  // Bitbucket Server clones as /scm/PROJECT/repo.git
  if (parts[0] === 'scm' && parts.length === 3) parts = parts.slice(1);
  if (parts.length < 2 || !parts.every((p) => SEGMENT.test(p))) return undefined;
  const name = parts.pop()!;
  return { host: hp.host, owner: parts.join('/'), name };
}
