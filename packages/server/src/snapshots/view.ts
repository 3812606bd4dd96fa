/**
 * The one mapper from stored records to the contract's Snapshot and PublishResponse bodies
 * (the API, the gallery and the event payloads all answer with these). URLs are signed here,
 * at read time, from the current public URL.
 */
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  type PublishResponse,
  type Snapshot,
} from '@snapshotplot/api-client/contract';
import { createUploadToken, signDelivery, signDeliveryOfKind } from '../auth/upload-tokens.js';
import type { SnapshotRecord } from '../data/records.js';
import type { SnapshotDeps } from './deps.js';

/** What a view needs: the clock and the URL signer. */
export type ViewDeps = Pick<SnapshotDeps, 'now' | 'signer'>;

/** Path of an artifact's delivery endpoint (stored in plot_url/code_url as the spec asks). */
export const deliveryPath = (id: string, kind: ArtifactKind) => `/api/snapshots/${id}/${kind}`;

/**
 * A signed delivery URL: a bearer capability, valid for anyone holding it until `expires`.
 * The expiry is rounded DOWN to a step (an hour at most, a tenth of the TTL for short TTLs),
 * so the same URL is handed out for that step (cacheable, stable in job summaries) and still
 * never outlives now + TTL. (Rounding up to whole TTL windows gave up to two TTLs.)
 */
export function deliveryUrl(ctx: ViewDeps, id: string, kind: ArtifactKind): string {
  const { expires, sig } = deliverySignature(ctx, id);
  return `${ctx.signer.publicUrl()}${deliveryPath(id, kind)}?expires=${expires}&sig=${sig}`;
}

/** The expiry of URLs signed now (see deliveryUrl). */
function deliveryExpiry(ctx: ViewDeps): number {
  const ttl = ctx.signer.deliveryUrlTtl;
  const nowS = Math.floor(ctx.now().getTime() / 1000);
  const step = Math.max(1, Math.min(3600, Math.floor(ttl / 10)));
  return Math.floor((nowS + ttl) / step) * step;
}

/**
 * Signatures already made for the current expiry step, per signing secret: a list page signs
 * every row, and the same rows are listed again and again within one step (which is what
 * makes the URLs stable), so each snapshot's HMAC is computed once per step. A new step
 * starts an empty map; a full one is emptied (a bound on memory, not a correctness matter).
 */
const signatureSteps = new WeakMap<Buffer, { expires: number; sigs: Map<string, string> }>();
const SIGNATURES_KEPT = 20_000;

/** The expiry step and the one HMAC a snapshot's plot and code URLs share. */
function deliverySignature(ctx: ViewDeps, id: string) {
  const expires = deliveryExpiry(ctx);
  const secret = ctx.signer.secret;
  let step = signatureSteps.get(secret);
  if (!step || step.expires !== expires || step.sigs.size >= SIGNATURES_KEPT) {
    step = { expires, sigs: new Map() };
    signatureSteps.set(secret, step);
  }
  let sig = step.sigs.get(id);
  if (sig === undefined) {
    sig = signDelivery(secret, id, expires);
    step.sigs.set(id, sig);
  }
  return { expires, sig };
}

/**
 * `expires=…&sig=…` bound to one scope beyond the snapshot's own files: `diff.{baseId}` for a
 * difference image (snapshot ids hold no dot, so scopes never collide). The snapshot's shared
 * signature does not open it: a plot URL must not open diffs against any other snapshot.
 */
export function signedQuery(ctx: ViewDeps, id: string, kind: string): string {
  const expires = deliveryExpiry(ctx);
  return `expires=${expires}&sig=${signDeliveryOfKind(ctx.signer.secret, id, kind, expires)}`;
}

/** Snapshot body for the API; URLs are built at read time from the current public URL. */
export function toSnapshot(ctx: ViewDeps, r: SnapshotRecord): Snapshot {
  let plot: Snapshot['files']['plot'] = null;
  let code: Snapshot['files']['code'] = null;
  for (const f of r.files) {
    const body = { kind: f.kind, content_type: f.content_type, size: f.size, sha256: f.sha256 };
    if (f.kind === 'plot') plot = body;
    else if (f.kind === 'code') code = body;
  }
  const base = ctx.signer.publicUrl();
  // One HMAC per snapshot at most, only when it has a URL to hand out.
  const signed = r.status === 'ready' && (plot || code) ? deliverySignature(ctx, r.id) : null;
  const url = (kind: ArtifactKind, file: unknown) =>
    signed && file
      ? `${base}${deliveryPath(r.id, kind)}?expires=${signed.expires}&sig=${signed.sig}`
      : null;
  return {
    id: r.id,
    project_id: r.project_id,
    collection_id: r.collection_id,
    collection: r.collection,
    title: r.title,
    author: r.author,
    description: r.description,
    tags: r.tags,
    repo_owner: r.repo_owner,
    repo_name: r.repo_name,
    commit_sha: r.commit_sha,
    branch: r.branch,
    pr_number: r.pr_number,
    ci: r.ci,
    status: r.status,
    artifacts: { plot: r.artifacts.plot, code: r.artifacts.code },
    files: { plot, code },
    plot_url: url('plot', plot),
    code_url: url('code', code),
    web_url: `${base}/projects/${r.project_id}/snapshots/${r.id}`,
    supersedes: r.supersedes,
    created_at: r.created_at,
    finalized_at: r.finalized_at,
  };
}

/** Kinds the snapshot asked for that are not stored yet. */
export function missingKinds(r: SnapshotRecord): ArtifactKind[] {
  return ARTIFACT_KINDS.filter((k) => r.artifacts[k] && !r.files.some((f) => f.kind === k));
}

/** Publish answer: fresh upload URLs for every missing artifact of a pending snapshot. */
export function toPublishResponse(ctx: ViewDeps, r: SnapshotRecord): PublishResponse {
  const missing = r.status === 'pending' ? missingKinds(r) : [];
  const expiresAt = Math.floor(ctx.now().getTime() / 1000) + ctx.signer.uploadUrlTtl;
  const upload_urls: PublishResponse['upload_urls'] = {};
  for (const kind of missing) {
    const token = createUploadToken(ctx.signer.secret, {
      snapshotId: r.id,
      kind,
      expiresAt,
      sha256: r.checksums[kind],
    });
    upload_urls[kind] = `${ctx.signer.publicUrl()}/upload/${kind}/${r.id}?token=${token}`;
  }
  return {
    snapshot_id: r.id,
    status: r.status,
    upload_urls,
    expires_at: missing.length ? new Date(expiresAt * 1000).toISOString() : null,
    supersedes: r.supersedes,
  };
}
