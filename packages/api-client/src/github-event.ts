/**
 * The snapshot's commit, branch, PR and run link for a GitHub Actions run, from the event
 * payload and the runner's environment. One implementation for the CLI and the action, so a
 * snapshot records the same source whichever of them published it.
 *
 * The commit is the code the plot was made from: on pull_request-like events and
 * workflow_run it is the PR or run head (GITHUB_SHA there is a merge commit or the base
 * branch); on merge_group the queue's head commit, recorded on the base branch with the
 * queued PR, since the gh-readonly-queue/* branch is deleted once the queue moves on.
 */

/** What the runner exports (GITHUB_*) plus SNAPSHOTPLOT_PR_NUMBER, all optional. */
export type GithubEnv = Readonly<Record<string, string | undefined>>;

export interface GithubEventFields {
  /** GITHUB_EVENT_NAME or the name given. */
  event?: string;
  commit_sha?: string;
  branch?: string;
  pr_number?: number;
  run_id?: string;
  run_attempt?: number;
  /** The run page; `/attempts/N` only on a re-run, as the plain URL shows the first attempt. */
  job_url?: string;
  /** workflow_run: the run that produced the plots (the publishing run is `job_url`). */
  source_run_url?: string;
}

/** A trimmed non-empty string, or undefined (runners export empty variables; payloads vary). */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v ? v : undefined;
}

/** A positive safe integer from a number or a digit string, else undefined. */
function positive(value: unknown): number | undefined {
  const s = typeof value === 'number' ? String(value) : text(value);
  if (!s || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** A hex commit id, lower-cased; the all-zero id of a deleted ref is no commit. */
function commit(value: unknown): string | undefined {
  const v = text(value);
  return v && /^[0-9a-fA-F]{7,64}$/.test(v) && !/^0+$/.test(v) ? v.toLowerCase() : undefined;
}

/** `refs/heads/feature/x` -> `feature/x`; tags and other refs are not branches. */
function branchOf(ref: unknown): string | undefined {
  const r = text(ref);
  if (!r) return undefined;
  if (r.startsWith('refs/heads/')) return text(r.slice('refs/heads/'.length));
  return r.startsWith('refs/') ? undefined : r;
}

/** An http(s) URL, or undefined, so a malformed GITHUB_SERVER_URL never fails the publish. */
function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The value at a path of plain objects, or undefined. */
function at(root: unknown, ...path: string[]): unknown {
  let v = root;
  for (const key of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

type Source = Pick<GithubEventFields, 'commit_sha' | 'branch' | 'pr_number' | 'source_run_url'>;

/** The fields the payload of this event carries; the caller falls back to the environment. */
function fromPayload(event: string | undefined, p: unknown, env: GithubEnv): Source {
  switch (event) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment':
      return {
        commit_sha: commit(at(p, 'pull_request', 'head', 'sha')),
        branch: text(at(p, 'pull_request', 'head', 'ref')),
        pr_number: positive(at(p, 'pull_request', 'number') ?? at(p, 'number')),
      };
    case 'workflow_run': {
      const headSha = text(at(p, 'workflow_run', 'head_sha'));
      const prs = at(p, 'workflow_run', 'pull_requests');
      const list: unknown[] = Array.isArray(prs) ? prs : [];
      const match = list.find((pr) => at(pr, 'head', 'sha') === headSha) ?? list[0];
      return {
        commit_sha: commit(headSha),
        branch: text(at(p, 'workflow_run', 'head_branch')),
        // GitHub lists only same-repository PRs here; for a fork PR the workflow passes the
        // number it saved in an artifact.
        pr_number: positive(at(match, 'number')) ?? positive(env.SNAPSHOTPLOT_PR_NUMBER),
        source_run_url: text(at(p, 'workflow_run', 'html_url')),
      };
    }
    case 'merge_group': {
      // head_ref is gh-readonly-queue/<base>/pr-<n>-<sha>, a temporary branch.
      const headRef = text(at(p, 'merge_group', 'head_ref')) ?? '';
      return {
        commit_sha: commit(at(p, 'merge_group', 'head_sha')),
        branch: branchOf(at(p, 'merge_group', 'base_ref')),
        pr_number: positive(/\/pr-(\d+)-[0-9a-f]+$/.exec(headRef)?.[1]),
      };
    }
    case 'push':
      return { commit_sha: commit(at(p, 'after')), branch: branchOf(at(p, 'ref')) };
    case 'workflow_dispatch':
      return { branch: branchOf(at(p, 'ref')) };
    default:
      return {};
  }
}

/**
 * Commit, branch, PR and run fields of a GitHub Actions run: the payload's values for the
 * event first, then GITHUB_SHA / GITHUB_HEAD_REF / GITHUB_REF. Undefined fields are left out.
 */
export function githubEventFields(
  eventName: string | undefined,
  payload: unknown,
  env: GithubEnv,
): GithubEventFields {
  const event = text(eventName) ?? text(env.GITHUB_EVENT_NAME);
  const src = fromPayload(event, payload, env);
  const branch =
    src.branch ??
    text(env.GITHUB_HEAD_REF) ??
    (env.GITHUB_REF_TYPE === 'tag' ? undefined : branchOf(env.GITHUB_REF));
  const runId = text(env.GITHUB_RUN_ID);
  const attempt = positive(env.GITHUB_RUN_ATTEMPT);
  const server = (text(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, '');
  const repository = text(env.GITHUB_REPOSITORY);
  const runUrl =
    repository && runId && /^\d+$/.test(runId)
      ? `${server}/${repository}/actions/runs/${runId}${attempt && attempt > 1 ? `/attempts/${attempt}` : ''}`
      : undefined;
  const fields: GithubEventFields = {
    event,
    commit_sha: src.commit_sha ?? commit(env.GITHUB_SHA),
    branch,
    pr_number: src.pr_number,
    run_id: runId,
    run_attempt: attempt,
    job_url: httpUrl(runUrl),
    source_run_url: src.source_run_url,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as GithubEventFields;
}
