/**
 * The client calls through the contract: every entry with a client method is called, what msw
 * sees must be the entry's method and path, and an edit to the table at run time (a moved path,
 * a changed success status) must reach the client without touching client.ts. A method that
 * restated a path or a status by hand fails here.
 */
import { createHash } from 'node:crypto';
import {
  type ArtifactFile,
  contract,
  createClient,
  type Endpoint,
  type EndpointName,
  entries,
  pathFor,
  type SnapshotplotClient,
  successStatuses,
} from '@snapshotplot/api-client';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BASE, recordingSleep, snapshot, tempFiles } from './support/fixtures.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 1)]);
const sha256 = createHash('sha256').update(PNG).digest('hex');

/** Entries the client has no method for, and why. */
const WITHOUT_CLIENT_METHOD: Partial<Record<EndpointName, string>> = {
  events: "an SSE stream for the gallery's EventSource, not a request/response call",
  getArtifact: 'plot_url / code_url are signed URLs that browsers and summaries open as given',
  health: 'a probe for load balancers and operators; nothing in a publish asks it',
  getDiffImage: 'diff_url is a signed URL that the review page and PR comments open as given',
};

interface ClientCall {
  params: Record<string, string>;
  /** A body the entry's success schema accepts. */
  answer: unknown;
  call: (client: SnapshotplotClient, file: ArtifactFile) => Promise<unknown>;
}

const upload = { kind: 'plot', snapshot_id: 'snap_1' };
const CLIENT_CALLS: Partial<Record<EndpointName, ClientCall>> = {
  publish: {
    params: {},
    answer: { snapshot_id: 'snap_1', status: 'pending', upload_urls: {}, expires_at: null },
    call: (c) => c.publish({ project_id: 'proj_1', title: 'T' }, { idempotencyKey: 'k' }),
  },
  publishDirect: {
    params: {},
    answer: snapshot(),
    call: (c, file) => c.publishDirect({ project_id: 'proj_1', title: 'T' }, [file]),
  },
  upload: {
    params: upload,
    answer: { snapshot_id: 'snap_1', kind: 'plot', content_type: 'image/png', size: 72, sha256 },
    // The URL is the server's to give; the test gives the one the contract describes.
    call: (c, file) =>
      c.upload(`${BASE}${pathFor(contract.upload, upload)}?token=t`, file.path, {
        contentType: 'image/png',
        size: PNG.length,
      }),
  },
  finalize: {
    params: {},
    answer: { status: 'ok' },
    call: (c) => c.finalize({ project_id: 'proj_1', snapshot_id: 'snap_1' }),
  },
  getSnapshot: {
    params: { id: 'snap_1' },
    answer: snapshot(),
    call: (c) => c.getSnapshot('snap_1'),
  },
  deleteSnapshot: {
    params: { id: 'snap_1' },
    answer: { status: 'ok', id: 'snap_1' },
    call: (c) => c.deleteSnapshot('snap_1'),
  },
  listSnapshots: {
    params: { id: 'proj_1' },
    answer: { data: [snapshot()], next_cursor: null },
    call: (c) => c.listSnapshots('proj_1'),
  },
  listCollections: {
    params: { id: 'proj_1' },
    answer: { data: [] },
    call: (c) => c.listCollections('proj_1'),
  },
  compare: {
    params: { id: 'proj_1' },
    answer: comparison(),
    call: (c) => c.compare('proj_1', { head: 'abcdef1', base_branch: 'main' }),
  },
  getComparison: {
    params: { id: 'proj_1' },
    answer: comparison(),
    call: (c) => c.getComparison('proj_1', { head: 'abcdef1' }),
  },
  review: {
    params: { id: 'proj_1' },
    answer: comparison(),
    call: (c) => c.review('proj_1', { head: 'abcdef1', decision: 'approved' }),
  },
};

/** A Comparison body with nothing in it, as a server answers a head with no baselines. */
function comparison() {
  const zero = { changed: 0, new: 0, removed: 0, unchanged: 0 };
  return {
    project_id: 'proj_1',
    head_sha: 'abcdef1',
    base_sha: null,
    base_branch: 'main',
    pr_number: null,
    complete: false,
    status: 'success',
    description: 'No plots changed',
    summary: { ...zero, approved: 0, changes_requested: 0, unreviewed: 0 },
    items: [],
    review_url: null,
  };
}

/** Answers every request with `status` and `body`, recording `METHOD /path` of each. */
function recorder(status: number, body: unknown) {
  const seen: string[] = [];
  server.use(
    http.all(`${BASE}/*`, async ({ request }) => {
      await request.arrayBuffer();
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return HttpResponse.json(body as object, { status });
    }),
  );
  return seen;
}

/** Runs one client call with a fresh client (no retries) and a temp PNG. */
async function run(name: EndpointName) {
  const files = await tempFiles({ 'fig.png': PNG });
  try {
    const client = createClient({
      baseUrl: BASE,
      token: 'spt_x',
      retries: 0,
      sleep: recordingSleep().sleep,
    });
    const file: ArtifactFile = {
      kind: 'plot',
      path: files.path('fig.png'),
      sha256,
      contentType: 'image/png',
    };
    return await CLIENT_CALLS[name]!.call(client, file);
  } finally {
    await files.cleanup();
  }
}

/** Edits the live contract entry for the length of `body`, then puts it back. */
async function withEdited(
  name: EndpointName,
  edit: (e: Endpoint) => void,
  body: () => Promise<void>,
) {
  const entry = contract[name] as unknown as Endpoint;
  const saved = { method: entry.method, path: entry.path, responses: entry.responses };
  edit(entry);
  try {
    await body();
  } finally {
    Object.assign(entry, saved);
  }
}

const covered = Object.keys(CLIENT_CALLS).sort();

describe('the client and the contract', () => {
  it('has a client method for every entry but the listed ones', () => {
    const names = entries().map(([name]) => name);
    expect(covered).toEqual(names.filter((n) => !(n in WITHOUT_CLIENT_METHOD)).sort());
    expect(Object.keys(WITHOUT_CLIENT_METHOD).every((n) => names.includes(n as EndpointName))).toBe(
      true,
    );
  });

  it.each(covered)('%s sends the method and path of its entry', async (n) => {
    const name = n as EndpointName;
    const entry: Endpoint = contract[name];
    const seen = recorder(successStatuses(entry)[0]!, CLIENT_CALLS[name]!.answer);
    await run(name);
    expect(seen).toEqual([`${entry.method} ${pathFor(entry, CLIENT_CALLS[name]!.params)}`]);
  });

  it.each(covered)('%s follows its entry to a new method and path', async (n) => {
    const name = n as EndpointName;
    const before = pathFor(contract[name] as Endpoint, CLIENT_CALLS[name]!.params);
    const method = contract[name].method === 'PUT' ? 'POST' : 'PUT';
    await withEdited(
      name,
      (e) => {
        e.method = method;
        e.path = `/moved${e.path}`;
      },
      async () => {
        const seen = recorder(successStatuses(contract[name])[0]!, CLIENT_CALLS[name]!.answer);
        await run(name);
        // (An upload goes to the URL it is given; here that URL is built from the entry too.)
        expect(seen).toEqual([`${method} /moved${before}`]);
      },
    );
  });

  it.each(covered)('%s takes only the success statuses its entry declares', async (n) => {
    const name = n as EndpointName;
    const entry: Endpoint = contract[name];
    const [was] = successStatuses(entry);
    // Move every declared success to 299: the old status is now one the entry does not declare.
    await withEdited(
      name,
      (e) => {
        const responses = { ...e.responses };
        for (const s of successStatuses(e)) delete responses[s];
        e.responses = { ...responses, 299: e.responses[was!]! };
      },
      async () => {
        recorder(was!, CLIENT_CALLS[name]!.answer);
        await expect(run(name)).rejects.toMatchObject({ status: was, code: 'unexpected_status' });
        server.resetHandlers();
        recorder(299, CLIENT_CALLS[name]!.answer);
        await run(name);
      },
    );
  });
});
