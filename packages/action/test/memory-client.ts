/**
 * An in-memory server behind the SnapshotplotClient interface (publish -> upload -> finalize
 * -> read), so run() and the real publishSnapshot flow run unchanged in unit tests.
 */
import type { PublishRequest, Snapshot, SnapshotplotClient } from '@snapshotplot/api-client';

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
