/** Links to a snapshot's repository, commit, branch and pull request on its forge. */
import type { Snapshot } from '@snapshotplot/api-client/contract';

export type ForgeKind = 'github' | 'gitlab' | 'bitbucket';

export interface ForgeLinks {
  repo?: string;
  commit?: string;
  branch?: string;
  pr?: string;
  ci?: string;
}

/** GitLab or Bitbucket when the forge URL's host says so; GitHub (and GitHub Enterprise) otherwise. */
export function forgeKind(forgeUrl: string): ForgeKind {
  const host = new URL(forgeUrl).hostname;
  if (host.includes('gitlab')) return 'gitlab';
  if (host.includes('bitbucket')) return 'bitbucket';
  return 'github';
}

const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/');

/** The forge links the snapshot's metadata allows (none without repo owner/name). */
export function forgeLinks(s: Snapshot, forgeUrl: string): ForgeLinks {
  const links: ForgeLinks = {};
  const runUrl = s.ci?.job_url;
  if (runUrl && /^https?:\/\//.test(runUrl)) links.ci = runUrl;
  if (!s.repo_owner || !s.repo_name) return links;
  const kind = forgeKind(forgeUrl);
  const repo = `${forgeUrl.replace(/\/+$/, '')}/${enc(s.repo_owner)}/${enc(s.repo_name)}`;
  links.repo = repo;
  const paths: Record<ForgeKind, { commit: string; branch: string; pr: string }> = {
    github: { commit: '/commit/', branch: '/tree/', pr: '/pull/' },
    gitlab: { commit: '/-/commit/', branch: '/-/tree/', pr: '/-/merge_requests/' },
    bitbucket: { commit: '/commits/', branch: '/branch/', pr: '/pull-requests/' },
  };
  const p = paths[kind];
  if (s.commit_sha) links.commit = repo + p.commit + encodeURIComponent(s.commit_sha);
  if (s.branch) links.branch = repo + p.branch + enc(s.branch);
  if (s.pr_number) links.pr = repo + p.pr + String(s.pr_number);
  return links;
}
