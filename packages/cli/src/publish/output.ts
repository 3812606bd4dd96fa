/** What `publish` prints: result objects for --json, lines for people, the dry-run preview. */
import {
  contract,
  idempotencyKeyFor,
  type PublishMetadata,
  type PublishRequest,
  pathFor,
  type Snapshot,
} from '@snapshotplot/api-client';
import type { InspectedFile } from '@snapshotplot/core';
import { checksumsOf } from './metadata.js';

/** The --json shape of one published snapshot. */
export interface PublishResult {
  snapshot_id: string;
  status: Snapshot['status'];
  plot_url: string | null;
  code_url: string | null;
  url: string;
  title: string;
  /** False when the server already had this snapshot complete, so nothing was uploaded. */
  uploaded: boolean;
}

/** The snapshot's page: the server's web_url, else its API resource. */
export function snapshotUrl(snapshot: Snapshot, apiUrl: string): string {
  return snapshot.web_url ?? `${apiUrl}${pathFor(contract.getSnapshot, { id: snapshot.id })}`;
}

export function publishResult(
  snapshot: Snapshot,
  uploaded: boolean,
  apiUrl: string,
): PublishResult {
  return {
    snapshot_id: snapshot.id,
    status: snapshot.status,
    plot_url: snapshot.plot_url,
    code_url: snapshot.code_url,
    url: snapshotUrl(snapshot, apiUrl),
    title: snapshot.title,
    uploaded,
  };
}

/** One line for people: `✓ Published "Loss curve": https://…`. */
export function resultLine(r: PublishResult): string {
  return `✓ ${r.uploaded ? 'Published' : 'Already published'} "${r.title}": ${r.url}`;
}

/** Everything --dry-run shows: the request publish would send and the files it would upload. */
export function dryRunPreview(
  metadata: PublishMetadata,
  body: PublishRequest,
  files: { plot?: InspectedFile; code?: InspectedFile },
  apiUrl: string | undefined,
) {
  return {
    dry_run: true,
    method: contract.publish.method,
    url: apiUrl ? `${apiUrl}${pathFor(contract.publish)}` : null,
    idempotency_key: idempotencyKeyFor(metadata, checksumsOf(files)),
    body,
    uploads: Object.values(files).map((f) => ({
      kind: f.kind,
      path: f.path,
      size: f.size,
      content_type: f.contentType,
      sha256: f.sha256,
    })),
  };
}

/** The one-line summary of where the snapshot's code came from, for the log. */
export function describeSource(m: PublishMetadata): string {
  const parts: string[] = [];
  if (m.repo_name) parts.push(m.repo_owner ? `${m.repo_owner}/${m.repo_name}` : m.repo_name);
  if (m.commit_sha) parts.push(`commit ${m.commit_sha.slice(0, 7)}`);
  if (m.branch) parts.push(`branch ${m.branch}`);
  if (m.pr_number) parts.push(`PR #${m.pr_number}`);
  if (m.ci) parts.push(`${m.ci.provider}${m.ci.run_id ? ` run ${m.ci.run_id}` : ''}`);
  return parts.length ? parts.join(', ') : 'no git or CI information';
}
