/**
 * A local fake of the parts of the GitHub REST API that snapshotplot uses, for tests: commit
 * statuses, issue (pull request) comments and the compare endpoint's merge base. It listens on
 * 127.0.0.1 port 0, checks the token (`Authorization: token X` as octokit sends it, or
 * `Bearer X`), records every request, and can be told to answer an error for a route, so the
 * action (through GITHUB_API_URL) and the server (through --github-api-url) are tested end to
 * end without GitHub.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type GitHubRoute =
  | 'createStatus'
  | 'listStatuses'
  | 'listComments'
  | 'createComment'
  | 'updateComment'
  | 'compare';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. /repos/o/r/issues/1/comments?per_page=100 */
  url: string;
  route: GitHubRoute | null;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeStatus {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
}

export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
}

export interface FakeGitHub {
  /** The API base URL (for GITHUB_API_URL / --github-api-url), e.g. http://127.0.0.1:PORT */
  url: string;
  /** The token the fake accepts (change it to refuse the one a client has). */
  token: string;
  /** The login comments are created as. */
  login: string;
  requests: RecordedRequest[];
  statuses: FakeStatus[];
  comments: FakeComment[];
  /** Merge bases for GET /compare/{base}...{head}, keyed `${base}...${head}`. */
  mergeBases: Map<string, string>;
  /** Answer `status` for `route` (the next `times` requests, default every one). */
  fail(route: GitHubRoute, status: number, times?: number): void;
  /** Stop answering errors. */
  reset(): void;
  /** Add a comment as if someone else wrote it (for paginated lookups). */
  addComment(owner: string, repo: string, issue: number, body: string, login?: string): FakeComment;
  /** Requests for `route` only. */
  calls(route: GitHubRoute): RecordedRequest[];
  close(): Promise<void>;
}

interface Match {
  route: GitHubRoute;
  params: string[];
}

const ROUTES: Array<[string, RegExp, GitHubRoute]> = [
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/, 'createStatus'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/statuses$/, 'listStatuses'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, 'listComments'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, 'createComment'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, 'updateComment'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/compare\/(.+)$/, 'compare'],
];

function match(method: string, pathname: string): Match | null {
  for (const [m, re, route] of ROUTES) {
    if (m !== method) continue;
    const found = re.exec(pathname);
    if (found) return { route, params: found.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const STATES = new Set(['error', 'failure', 'pending', 'success']);

export async function startFakeGitHub(
  o: { token?: string; login?: string } = {},
): Promise<FakeGitHub> {
  let url = '';
  let nextId = 1000;
  const failures = new Map<GitHubRoute, { status: number; times: number }>();
  const now = () => new Date().toISOString();

  const gh: FakeGitHub = {
    url: '',
    token: o.token ?? 'ghs_fake-github-token',
    login: o.login ?? 'github-actions[bot]',
    requests: [],
    statuses: [],
    comments: [],
    mergeBases: new Map(),
    fail(route, status, times = Number.POSITIVE_INFINITY) {
      failures.set(route, { status, times });
    },
    reset() {
      failures.clear();
    },
    addComment(owner, repo, issue, body, login = 'someone') {
      const c: FakeComment = {
        id: nextId++,
        owner,
        repo,
        issue,
        body,
        user: { login, type: 'User' },
        created_at: now(),
        updated_at: now(),
      };
      gh.comments.push(c);
      return c;
    },
    calls: (route) => gh.requests.filter((r) => r.route === route),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const commentJson = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${url}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${url}/repos/${c.owner}/${c.repo}/issues/${c.issue}`,
    body: c.body,
    user: c.user,
    created_at: c.created_at,
    updated_at: c.updated_at,
  });

  const server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', url);
      const method = req.method ?? 'GET';
      const m = match(method, u.pathname);
      const body = await readBody(req);
      gh.requests.push({
        method,
        url: `${u.pathname}${u.search}`,
        route: m?.route ?? null,
        authorization: req.headers.authorization,
        body,
      });
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res
          .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
          .end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const docs = 'https://docs.github.com/rest';
      if (!m) return json(404, { message: 'Not Found', documentation_url: docs });
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${gh.token}` && auth !== `Bearer ${gh.token}`) {
        return json(401, { message: 'Bad credentials', documentation_url: docs });
      }
      const failure = failures.get(m.route);
      if (failure && failure.times > 0) {
        failure.times--;
        const message =
          failure.status === 403
            ? 'Resource not accessible by integration'
            : failure.status === 404
              ? 'Not Found'
              : 'Server Error';
        return json(failure.status, { message, documentation_url: docs });
      }
      const [owner = '', repo = '', third = ''] = m.params;
      const input = (body ?? {}) as Record<string, unknown>;
      switch (m.route) {
        case 'createStatus': {
          const state = input.state;
          if (typeof state !== 'string' || !STATES.has(state)) {
            return json(422, { message: 'Validation Failed', errors: [{ field: 'state' }] });
          }
          const s: FakeStatus = {
            id: nextId++,
            owner,
            repo,
            sha: third,
            state,
            context: typeof input.context === 'string' ? input.context : 'default',
            description: typeof input.description === 'string' ? input.description : null,
            target_url: typeof input.target_url === 'string' ? input.target_url : null,
          };
          gh.statuses.push(s);
          return json(201, { ...s, created_at: now(), updated_at: now() });
        }
        case 'listStatuses': {
          const list = gh.statuses
            .filter((s) => s.owner === owner && s.repo === repo && s.sha === third)
            .reverse();
          return json(200, list);
        }
        case 'listComments': {
          const issue = Number(third);
          const all = gh.comments.filter(
            (c) => c.owner === owner && c.repo === repo && c.issue === issue,
          );
          const perPage = Math.min(100, Math.max(1, Number(u.searchParams.get('per_page') ?? 30)));
          const page = Math.max(1, Number(u.searchParams.get('page') ?? 1));
          const slice = all.slice((page - 1) * perPage, page * perPage);
          const headers: Record<string, string> = {};
          if (page * perPage < all.length) {
            const next = new URL(u.toString());
            next.searchParams.set('page', String(page + 1));
            next.searchParams.set('per_page', String(perPage));
            headers.link = `<${next.toString()}>; rel="next"`;
          }
          return json(200, slice.map(commentJson), headers);
        }
        case 'createComment': {
          if (typeof input.body !== 'string' || input.body === '') {
            return json(422, { message: 'Validation Failed', errors: [{ field: 'body' }] });
          }
          const c = gh.addComment(owner, repo, Number(third), input.body, gh.login);
          c.user.type = 'Bot';
          return json(201, commentJson(c));
        }
        case 'updateComment': {
          const c = gh.comments.find(
            (x) => x.owner === owner && x.repo === repo && x.id === Number(third),
          );
          if (!c) return json(404, { message: 'Not Found', documentation_url: docs });
          if (typeof input.body !== 'string' || input.body === '') {
            return json(422, { message: 'Validation Failed', errors: [{ field: 'body' }] });
          }
          c.body = input.body;
          c.updated_at = now();
          return json(200, commentJson(c));
        }
        case 'compare': {
          const key = third;
          const base = gh.mergeBases.get(key);
          if (!base) return json(404, { message: 'Not Found', documentation_url: docs });
          return json(200, {
            status: 'diverged',
            merge_base_commit: { sha: base },
            base_commit: { sha: key.split('...')[0] },
            commits: [],
            files: [],
          });
        }
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gh.url = url;
  return gh;
}
