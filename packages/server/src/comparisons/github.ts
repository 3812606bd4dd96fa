/**
 * Commit statuses on GitHub (`--github-token`): after a review the server sets the head
 * commit's `snapshotplot` status to the comparison's status, with its description and the
 * review page as target. A failure is the caller's to log; it never fails the review.
 */

export interface GithubStatus {
  owner: string;
  repo: string;
  sha: string;
  state: 'success' | 'pending' | 'failure';
  description: string;
  targetUrl: string | null;
}

export interface GithubStatuses {
  post(status: GithubStatus): Promise<void>;
}

/** The status context the server (and the action) write. */
export const STATUS_CONTEXT = 'snapshotplot';

/** GitHub's limit on a status description. */
const MAX_DESCRIPTION = 140;

/** A poster for the REST API at `apiUrl` (https://api.github.com, or a GHES `/api/v3`). */
export function githubStatuses(o: {
  token: string;
  apiUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): GithubStatuses {
  const doFetch = o.fetch ?? fetch;
  const base = o.apiUrl.replace(/\/+$/, '');
  return {
    async post(s) {
      const path = `/repos/${encodeURIComponent(s.owner)}/${encodeURIComponent(s.repo)}/statuses/${encodeURIComponent(s.sha)}`;
      const description =
        s.description.length > MAX_DESCRIPTION
          ? `${s.description.slice(0, MAX_DESCRIPTION - 1)}…`
          : s.description;
      const res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${o.token}`,
          'content-type': 'application/json',
          'user-agent': 'snapshotplot-server',
          'x-github-api-version': '2022-11-28',
        },
        body: JSON.stringify({
          state: s.state,
          context: STATUS_CONTEXT,
          description,
          ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
        }),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      if (!res.ok) {
        const text = (await res.text().catch(() => '')).slice(0, 300);
        throw new Error(`GitHub answered ${res.status} to POST ${path}: ${text}`);
      }
      await res.body?.cancel();
    },
  };
}
