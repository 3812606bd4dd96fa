/**
 * Test helpers: real webhook payloads from @octokit/webhooks-examples, a context built the
 * way @actions/github builds it, a core that records calls, and an in-memory client that
 * speaks the SnapshotplotClient interface (so run() and publishSnapshot run unchanged).
 */
import { createRequire } from 'node:module';
import type { PublishRequest, Snapshot, SnapshotplotClient } from '@snapshotplot/api-client';
import type { WorkflowContext } from '../src/context.js';
import type { ActionCore } from '../src/run.js';

/** A real 1x1 PNG, so any content sniffing sees an image. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

// biome-ignore lint/suspicious/noExplicitAny: webhook example payloads are read as untyped JSON.
export type Payload = Record<string, any>;

const require = createRequire(import.meta.url);
const definitions: Array<{
  name: string;
  examples: Array<Payload>;
}> = require('@octokit/webhooks-examples');

/** The first real example payload of an event that satisfies `pick`. */
export function examplePayload(event: string, pick: (p: Payload) => boolean = () => true): Payload {
  const def = definitions.find((d) => d.name === event);
  const found = def?.examples.find(pick);
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}`);
  return structuredClone(found);
}

/** A context shaped like @actions/github's, for a runner in `GITHUB_REPOSITORY` owner/repo. */
export function contextFor(
  eventName: string,
  payload: Payload,
  over: Partial<WorkflowContext> = {},
): WorkflowContext {
  const full: string = payload.repository?.full_name ?? 'octo-org/octo-repo';
  const [owner, repo] = full.split('/') as [string, string];
  return {
    eventName,
    payload,
    sha: 'ffffffffffffffffffffffffffffffffffffffff',
    ref: 'refs/heads/main',
    workflow: 'Plots',
    job: 'publish',
    actor: 'octocat',
    runId: 9001,
    runAttempt: 2,
    serverUrl: 'https://github.com',
    repo: { owner, repo },
    ...over,
  };
}

export interface RecordingCore extends ActionCore {
  secrets: string[];
  outputs: Record<string, string>;
  failed: string[];
  warnings: string[];
  infos: string[];
  summaries: string[];
  /** Every call in order, to check masking happens before any log line. */
  calls: string[];
}

/** A core that records calls instead of writing to the runner's files. */
export function recordingCore(): RecordingCore {
  const c: RecordingCore = {
    secrets: [],
    outputs: {},
    failed: [],
    warnings: [],
    infos: [],
    summaries: [],
    calls: [],
    setSecret(s) {
      c.calls.push('setSecret');
      c.secrets.push(s);
    },
    setOutput(n, v) {
      c.calls.push('setOutput');
      c.outputs[n] = v;
    },
    setFailed(m) {
      c.calls.push('setFailed');
      c.failed.push(m);
    },
    warning(m) {
      c.calls.push('warning');
      c.warnings.push(m);
    },
    info(m) {
      c.calls.push('info');
      c.infos.push(m);
    },
    summary: {
      addRaw: (t: string) => void c.summaries.push(t),
      write: async () => undefined,
    },
  };
  return c;
}

export interface MemoryClient extends SnapshotplotClient {
  published: PublishRequest[];
}

/** An in-memory server behind the client interface: publish -> upload -> finalize -> read. */
export function memoryClient(baseUrl = 'https://plots.example.com'): MemoryClient {
  const store = new Map<string, Snapshot>();
  const published: PublishRequest[] = [];
  const client = {
    baseUrl,
    published,
    async publish(body: PublishRequest) {
      published.push(body);
      const id = `snap_${published.length}`;
      const artifacts = { plot: !!body.artifacts?.plot, code: !!body.artifacts?.code };
      store.set(id, {
        id,
        project_id: body.project_id,
        collection_id: body.collection ? 'col_1' : null,
        collection: body.collection ?? null,
        title: body.title,
        author: body.author ?? null,
        description: body.description ?? null,
        tags: body.tags ?? [],
        repo_owner: body.repo_owner ?? null,
        repo_name: body.repo_name ?? null,
        commit_sha: body.commit_sha ?? null,
        branch: body.branch ?? null,
        pr_number: body.pr_number ?? null,
        ci: body.ci ?? null,
        status: 'pending',
        artifacts,
        files: { plot: null, code: null },
        plot_url: null,
        code_url: null,
        supersedes: null,
        created_at: new Date(0).toISOString(),
        finalized_at: null,
      });
      const upload_urls: Record<string, string> = {};
      if (artifacts.plot) upload_urls.plot = `${baseUrl}/upload/plot/${id}?token=t`;
      if (artifacts.code) upload_urls.code = `${baseUrl}/upload/code/${id}?token=t`;
      return {
        snapshot_id: id,
        status: 'pending' as const,
        upload_urls,
        expires_at: null,
        created: true,
      };
    },
    async upload(
      url: string,
      _source: unknown,
      o: { contentType: string; size: number; sha256?: string },
    ) {
      const [, kind, id] = new URL(url).pathname.match(/^\/upload\/(plot|code)\/(.+)$/)!;
      const s = store.get(id!)!;
      const file = {
        kind: kind as 'plot' | 'code',
        content_type: o.contentType,
        size: o.size,
        sha256: o.sha256 ?? '0'.repeat(64),
      };
      s.files[kind as 'plot' | 'code'] = file;
      return { snapshot_id: id!, ...file };
    },
    async finalize(body: { project_id: string; snapshot_id: string }) {
      const s = store.get(body.snapshot_id)!;
      s.status = 'ready';
      s.finalized_at = new Date(0).toISOString();
      if (s.files.plot) s.plot_url = `${baseUrl}/api/snapshots/${s.id}/plot?sig=x`;
      if (s.files.code) s.code_url = `${baseUrl}/api/snapshots/${s.id}/code?sig=x`;
      return { status: 'ok' as const, snapshot: structuredClone(s) };
    },
    async getSnapshot(id: string) {
      return structuredClone(store.get(id)!);
    },
  };
  return client as unknown as MemoryClient;
}
