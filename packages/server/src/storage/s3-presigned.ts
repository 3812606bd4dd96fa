/**
 * `--upload-mode presigned`: publish hands out S3 presigned PUT URLs to a per-artifact upload
 * key `<prefix>/uploads/{project}/{snapshot}/{kind}`, so artifact bytes never pass through the
 * server. S3 cannot enforce single use or our size cap on such a URL, so finalize does:
 * HeadObject (exists, size, accepted Content-Type), one streamed read through sha256 (pinned
 * to the ETag it saw), then a server-side copy to the artifact's final key, conditional on
 * that same ETag, so a re-upload racing finalize can never slip unverified bytes in. A PUT on
 * the URL after finalize only writes the upload key, which nothing reads.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  type ArtifactKind,
  acceptedContentTypes,
  baseContentType,
  extensionFor,
  type PublishResponse,
} from '@snapshotplot/api-client/contract';
import type { ArtifactRecord, SnapshotRecord } from '../data/records.js';
import { conflict, HttpError, StorageChecksumError, StorageLimitError } from '../errors.js';
import { isNotFound, S3StorageError } from './s3-client.js';
import type { S3Storage } from './s3-storage.js';
import { artifactKey } from './storage.js';

/** What finalize needs from the app (kept narrow so this file does not import http/). */
export interface FinalizeDeps {
  maxUploadBytes: number;
  now: () => Date;
  /** Throws when the project cannot take `size` more bytes (its quota), before any copy. */
  admit(size: number): Promise<void>;
  /** Records a verified artifact row unless the snapshot changed meanwhile. */
  record(row: ArtifactRecord): Promise<void>;
}

const wanted = (s: SnapshotRecord, kind: ArtifactKind) =>
  s.artifacts[kind] && !s.files.some((f) => f.kind === kind);

export class PresignedUploads {
  constructor(readonly storage: S3Storage) {}

  /** The object key a presigned URL writes to (never an artifact's final key). */
  uploadKey(s: SnapshotRecord, kind: ArtifactKind): string {
    return this.storage.objectKey(`uploads/${s.project_id}/${s.id}/${kind}`);
  }

  /** Replaces the server upload URLs of a publish response by presigned S3 PUT URLs. */
  async rewrite(r: PublishResponse, s: SnapshotRecord, ttlSeconds: number): Promise<void> {
    for (const kind of Object.keys(r.upload_urls) as ArtifactKind[]) {
      const command = new PutObjectCommand({
        Bucket: this.storage.location.bucket,
        Key: this.uploadKey(s, kind),
      });
      r.upload_urls[kind] = await getSignedUrl(this.storage.client, command, {
        expiresIn: ttlSeconds,
      });
    }
  }

  /**
   * Verifies and promotes every presigned upload of a pending snapshot that is present;
   * absent ones stay missing (finalize answers 409 missing_artifacts). A bad upload is
   * deleted and refused: 413 too large, 415 wrong type, 400 checksum_mismatch.
   */
  async collect(s: SnapshotRecord, deps: FinalizeDeps): Promise<void> {
    for (const kind of ['plot', 'code'] as const) {
      if (wanted(s, kind)) await this.promote(s, kind, deps);
    }
  }

  private async promote(s: SnapshotRecord, kind: ArtifactKind, deps: FinalizeDeps) {
    const key = this.uploadKey(s, kind);
    const head = await this.storage.head(key);
    if (!head) return;
    const contentType = head.contentType ?? '';
    const ext = extensionFor(kind, contentType);
    if (!ext) {
      await this.storage.deleteRaw(key);
      throw new HttpError(
        415,
        'unsupported_media_type',
        `The uploaded ${kind} has Content-Type "${contentType || '(none)'}", not accepted for ${kind}: upload again with one of ${acceptedContentTypes(kind).join(', ')}.`,
      );
    }
    if (head.size > deps.maxUploadBytes) {
      await this.storage.deleteRaw(key);
      throw new StorageLimitError(deps.maxUploadBytes);
    }
    // Over the project's quota: refused like an oversized body, and the upload is not kept.
    await deps.admit(head.size).catch(async (error: unknown) => {
      await this.storage.deleteRaw(key);
      throw error;
    });
    const sha256 = await this.hash(key, head.etag, deps.maxUploadBytes);
    if (!sha256) return; // replaced or removed meanwhile: seen as missing, finalize again
    const expected = s.checksums[kind];
    if (expected && expected !== sha256) {
      await this.storage.deleteRaw(key);
      throw new StorageChecksumError(expected, sha256);
    }
    const target = artifactKey(kind, s.project_id, s.id, ext);
    try {
      await this.storage.withDeadline((abortSignal) =>
        this.storage.client.send(
          new CopyObjectCommand({
            Bucket: this.storage.location.bucket,
            Key: this.storage.objectKey(target),
            CopySource: `${this.storage.location.bucket}/${key}`,
            CopySourceIfMatch: head.etag,
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
        throw conflict(
          'conflict',
          `The ${kind} of ${s.id} was uploaded again while finalize checked it: finalize again.`,
        );
      throw new S3StorageError('copy', error);
    }
    await deps
      .record({
        snapshot_id: s.id,
        kind,
        storage_key: target,
        content_type: baseContentType(contentType),
        size: head.size,
        sha256,
        created_at: deps.now().toISOString(),
      })
      .catch(async (error: unknown) => {
        // Refused while recording (a concurrent upload took the quota): keep nothing.
        await this.storage.delete(target).catch(() => {});
        await this.storage.deleteRaw(key).catch(() => {});
        throw error;
      });
    await this.storage.deleteRaw(key).catch(() => {});
  }

  /** sha256 of the object as it was at `etag`, streamed once; null when it changed or vanished. */
  private async hash(key: string, etag: string | undefined, max: number): Promise<string | null> {
    let body: Readable;
    try {
      // Deadline until the headers; the body then has the client's idle timeout.
      const r = await this.storage.withDeadline((abortSignal) =>
        this.storage.client.send(
          new GetObjectCommand({ Bucket: this.storage.location.bucket, Key: key, IfMatch: etag }),
          { abortSignal },
        ),
      );
      body = r.Body as Readable;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (isNotFound(error) || status === 412) return null;
      throw new S3StorageError('get', error);
    }
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > max) break;
        hash.update(chunk as Buffer);
      }
    } catch (error) {
      // The store's body broke off (reset, idle timeout): a storage fault, not a 500.
      throw new S3StorageError('get', error);
    }
    if (size > max) {
      await this.storage.deleteRaw(key);
      throw new StorageLimitError(max);
    }
    return hash.digest('hex');
  }
}
