/**
 * What the snapshot services need, named: the store, the artifact storage, the clock, the URL
 * signer, the event wake-ups and the upload limits — not the whole AppContext, so a service
 * can be called from a route, the sweep or an admin command with exactly these.
 */
import type { Store } from '../data/store.js';
import type { PresignedUploads } from '../storage/s3-presigned.js';
import type { Storage } from '../storage/storage.js';

/** Signs upload tokens and delivery URLs and knows the public base URL they are built on. */
export interface UrlSigner {
  /** The HMAC key (the server secret). */
  secret: Buffer;
  /** The public base URL, no trailing slash (known once the port is bound). */
  publicUrl(): string;
  /** Seconds an upload URL stays valid (--upload-url-ttl). */
  uploadUrlTtl: number;
  /** Seconds a delivery URL stays valid at most (--delivery-url-ttl). */
  deliveryUrlTtl: number;
}

/** Wakes this process's event streams and webhook worker after a commit. */
export interface Notify {
  notify(projectId: string): void;
}

export interface SnapshotDeps {
  store: Store;
  storage: Storage;
  now: () => Date;
  signer: UrlSigner;
  events: Notify;
  /** S3 presigned uploads (--upload-mode presigned); absent or null otherwise. */
  presigned?: PresignedUploads | null;
  /** Largest artifact accepted, bytes (--max-upload-bytes). */
  maxUploadBytes: number;
  /** `snapshot/kind` uploads streaming in this process (the pending sweep skips them). */
  uploadsInProgress: Set<string>;
}
