/**
 * `--upload-mode presigned`: publish hands out S3 presigned PUT URLs to a per-artifact upload
 * key `<prefix>/uploads/{project}/{snapshot}/{kind}`, so artifact bytes never pass through the
 * server. S3 cannot enforce single use or our size cap on such a URL, so finalize checks each
 * upload (snapshots/finalize.ts decides; this adapter only reports facts): HeadObject (size,
 * Content-Type, ETag), one streamed read through sha256 pinned to that ETag, then a
 * server-side copy to the artifact's final key, conditional on that same ETag, so a re-upload
 * racing finalize can never slip unverified bytes in. A PUT on the URL after finalize only
 * writes the upload key, which nothing reads.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ArtifactKind, PublishResponse } from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import { isNotFound, S3StorageError } from './s3-client.js';
import type { S3Storage } from './s3-storage.js';

/** What a presigned upload key holds. */
export interface PresignedObject {
  /** The upload key (raw object key). */
  key: string;
  size: number;
  /** As the client sent it ('' when none). */
  contentType: string;
  etag?: string;
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

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

  /** The object a client PUT for `kind` of `s`, or null when nothing was uploaded. */
  async inspect(s: SnapshotRecord, kind: ArtifactKind): Promise<PresignedObject | null> {
    const key = this.uploadKey(s, kind);
    const head = await this.storage.head(key);
    if (!head) return null;
    return { key, size: head.size, contentType: head.contentType ?? '', etag: head.etag };
  }

  /** Removes an upload (refused, or promoted); absent is fine. */
  discard(key: string): Promise<void> {
    return this.storage.deleteRaw(key);
  }

  /**
   * Copies the upload to the artifact's storage key if it is still the object seen at
   * `etag`: 'changed' when it was uploaded again meanwhile, 'gone' when it vanished.
   */
  async promote(o: PresignedObject, target: string): Promise<'copied' | 'changed' | 'gone'> {
    try {
      await this.storage.withDeadline((abortSignal) =>
        this.storage.client.send(
          new CopyObjectCommand({
            Bucket: this.storage.location.bucket,
            Key: this.storage.objectKey(target),
            CopySource: `${this.storage.location.bucket}/${o.key}`,
            CopySourceIfMatch: o.etag,
          }),
          { abortSignal },
        ),
      );
      return 'copied';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      if (statusOf(error) === 412) return 'changed';
      throw new S3StorageError('copy', error);
    }
  }

  /**
   * sha256 of the object as it was at `o.etag`, streamed once: null when it changed or
   * vanished meanwhile, `{ over: true }` when more than `max` bytes came (reading stops there).
   */
  async digest(
    o: PresignedObject,
    max: number,
  ): Promise<{ sha256: string; over?: undefined } | { over: true } | null> {
    const { key, etag } = o;
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
      if (isNotFound(error) || statusOf(error) === 412) return null;
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
    if (size > max) return { over: true };
    return { sha256: hash.digest('hex') };
  }
}
