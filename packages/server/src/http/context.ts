/** Everything a request handler needs, built once per server (no globals, injectable clock). */
import type { Logger } from 'pino';
import type { JwtVerifier } from '../auth/jwt.js';
import type { OidcVerifier } from '../auth/oidc.js';
import type { Differ } from '../compare/differ.js';
import type { ComparisonDeps } from '../comparisons/deps.js';
import type { GithubStatuses } from '../comparisons/github.js';
import type { ServerConfig } from '../config.js';
import type { Store } from '../data/store.js';
import type { EventNotifier } from '../events/notifier.js';
import type { Highlighter } from '../highlight/highlighter.js';
import type { SnapshotDeps } from '../snapshots/deps.js';
import type { PresignedUploads } from '../storage/s3-presigned.js';
import type { Storage } from '../storage/storage.js';
import type { Thumbnailer } from '../thumbnails/thumbnailer.js';
import type { RateLimiter } from './rate-limit.js';

export interface AppContext {
  config: ServerConfig;
  store: Store;
  storage: Storage;
  secret: Buffer;
  jwt: JwtVerifier | null;
  /** CI ID tokens (--oidc-issuer) mapped to projects by trust policies; null when off. */
  oidc: OidcVerifier | null;
  logger: Logger;
  now: () => Date;
  /** The public base URL (no trailing slash); known once the port is bound. */
  publicUrl: () => string;
  /** `snapshot/kind` of uploads streaming in this process (the lock itself is store.tryLock). */
  uploadsInProgress: Set<string>;
  /** Per-principal limit of authenticated API requests; null when off. */
  rateLimiter: RateLimiter | null;
  /** Wakes SSE streams and the webhook worker after an event is committed. */
  events: EventNotifier;
  /** The openapi.json text, loaded lazily. */
  openapi: () => string;
  /** S3 presigned upload URLs and their verification at finalize (--upload-mode presigned). */
  presigned?: PresignedUploads | null;
  /** Code highlighting in worker threads with a time budget (closed with the server). */
  highlighter: Highlighter;
  /** Pixel diffs of plots in worker threads (bounded in pixels, time and threads). */
  differ: Differ;
  /** Commit statuses after a review (--github-token); null when off. */
  github: GithubStatuses | null;
  /** Plot thumbnails, made once per stored object and kept in the storage. */
  thumbnails: Thumbnailer;
  /** Check every API answer against the contract (http/response-check.ts): tests only. */
  checkResponses?: boolean;
}

const deps = new WeakMap<AppContext, SnapshotDeps>();

/** The snapshot services' dependencies, out of a server's context (built once per context). */
export function snapshotDeps(ctx: AppContext): SnapshotDeps {
  let d = deps.get(ctx);
  if (!d) {
    d = {
      store: ctx.store,
      storage: ctx.storage,
      now: ctx.now,
      signer: {
        secret: ctx.secret,
        publicUrl: ctx.publicUrl,
        uploadUrlTtl: ctx.config.uploadUrlTtl,
        deliveryUrlTtl: ctx.config.deliveryUrlTtl,
      },
      events: ctx.events,
      presigned: ctx.presigned,
      maxUploadBytes: ctx.config.maxUploadBytes,
      uploadsInProgress: ctx.uploadsInProgress,
    };
    deps.set(ctx, d);
  }
  return d;
}

const reviewDeps = new WeakMap<AppContext, ComparisonDeps>();

/** The comparison services' dependencies, out of a server's context (built once per context). */
export function comparisonDeps(ctx: AppContext): ComparisonDeps {
  let d = reviewDeps.get(ctx);
  if (!d) {
    const s = snapshotDeps(ctx);
    d = {
      store: ctx.store,
      storage: ctx.storage,
      now: ctx.now,
      signer: s.signer,
      events: ctx.events,
      diff: (base, head) => ctx.differ.diff(base, head),
      // The gallery is mounted by every server (server.ts): it serves the review page.
      gallery: true,
      github: ctx.github,
      warn: (details, message) => ctx.logger.warn(details, message),
    };
    reviewDeps.set(ctx, d);
  }
  return d;
}
