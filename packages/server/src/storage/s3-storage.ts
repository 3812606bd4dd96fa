/**
 * Storage in an S3-compatible bucket. An upload streams (multipart above one part) to a temp
 * key `<prefix>/.tmp/<random>` while it is hashed and counted; only a complete body with the
 * expected sha256 is then copied server-side to its final key, and the temp object deleted.
 *
 * Why not upload straight to the final key: S3 has no rename, and a finished upload is visible
 * at once. A body that turns out to have the wrong sha256 would sit under the final key until
 * deleted, and with several replicas that delete could remove a correct twin uploaded
 * meanwhile. The copy costs one server-side request; no byte passes through us twice.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StorageChecksumError, StorageLimitError } from '../errors.js';
import { DEFAULT_S3_TIMEOUT_MS, isNotFound, type S3Location, S3StorageError } from './s3-client.js';
import { isStorageKey, type PutOptions, type PutResult, type Storage } from './storage.js';

/** Temp objects older than this are leftovers of a crash (uploads are cut after 15 min). */
const STALE_TMP_MS = 24 * 3600_000;

export interface S3StorageOptions {
  /** Multipart part size (min 5 MiB); bodies up to one part go up as a single PutObject. */
  partSize?: number;
  /** Parts in flight per upload: memory per upload is about partSize × queueSize. */
  queueSize?: number;
  /** Total deadline of a call without a streamed body, retries included (default 30 s). */
  timeoutMs?: number;
}

export class S3Storage implements Storage {
  constructor(
    readonly client: S3Client,
    readonly location: S3Location,
    private readonly o: S3StorageOptions = {},
  ) {}

  /** The full object key of a storage key; refuses keys that could escape the prefix. */
  objectKey(key: string): string {
    if (!isStorageKey(key)) {
      throw new Error(`refusing storage key outside the prefix: ${JSON.stringify(key)}`);
    }
    return this.prefixed(key);
  }

  private prefixed(key: string): string {
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  /** Deletes temp objects a crash left behind (older than a day: other replicas may be uploading). */
  async init(now: Date = new Date()): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    do {
      const page = await this.send('list', (abortSignal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: this.prefixed('.tmp/'),
            ContinuationToken: token,
          }),
          { abortSignal },
        ),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key && o.LastModified && now.getTime() - o.LastModified.getTime() > STALE_TMP_MS) {
          await this.deleteRaw(o.Key);
          removed++;
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  async put(key: string, body: Readable, o: PutOptions): Promise<PutResult> {
    const target = this.objectKey(key);
    const tmp = this.prefixed(`.tmp/${randomBytes(12).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    let refused: Error | undefined;
    // On a failure, leave the body undestroyed: the caller may drain it and still answer.
    const source = body.iterator({ destroyOnReturn: false });
    // An 'error' before the upload starts pulling (client gone, multipart cut) must not go
    // unheard and kill the process; the iterator still reports it.
    const ignore = () => {};
    body.on('error', ignore);
    async function* counted() {
      for await (const chunk of source) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > o.maxBytes) {
          refused = new StorageLimitError(o.maxBytes);
          throw refused;
        }
        hash.update(buf);
        yield buf;
      }
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: tmp, Body: Readable.from(counted()) },
      partSize: this.o.partSize ?? 8 * 1024 * 1024,
      queueSize: this.o.queueSize ?? 2,
      // A failed multipart upload is aborted, so its parts never become an object.
      leavePartsOnError: false,
    });
    // No total deadline here (a large body may take long); every request the upload makes
    // has the client's idle timeout instead (createS3Client).
    try {
      await upload.done();
    } catch (error) {
      // A single-part PutObject may have landed before a later failure: remove it too. Not
      // awaited when the store stopped answering: that delete would only wait out its deadline
      // too (a leftover is swept at the next start after a day).
      const removed = this.deleteRaw(tmp).catch(() => {});
      if (!isTimeoutError(error)) await removed;
      if (refused) throw refused;
      if (isClientAbort(error)) throw error;
      throw new S3StorageError('upload', error);
    } finally {
      body.off('error', ignore);
    }
    try {
      const sha256 = hash.digest('hex');
      if (o.expectedSha256 && o.expectedSha256 !== sha256) {
        throw new StorageChecksumError(o.expectedSha256, sha256);
      }
      await this.send('copy', (abortSignal) =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.location.bucket,
            Key: target,
            CopySource: `${this.location.bucket}/${tmp}`,
          }),
          { abortSignal },
        ),
      );
      return { size, sha256 };
    } finally {
      await this.deleteRaw(tmp).catch(() => {});
    }
  }

  async get(key: string, range?: { start: number; end: number }) {
    const objectKey = this.objectKey(key);
    try {
      // The deadline runs until the headers arrive; the body then has the idle timeout.
      const r = await this.withDeadline((abortSignal) =>
        this.client.send(
          new GetObjectCommand({
            Bucket: this.location.bucket,
            Key: objectKey,
            Range: range ? `bytes=${range.start}-${range.end}` : undefined,
          }),
          { abortSignal },
        ),
      );
      const total = /\/(\d+)$/.exec(r.ContentRange ?? '')?.[1];
      const size = range && total ? Number(total) : Number(r.ContentLength ?? 0);
      return { stream: r.Body as Readable, size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new S3StorageError('get', error);
    }
  }

  async stat(key: string) {
    const head = await this.head(this.objectKey(key));
    return head ? { size: head.size } : null;
  }

  /** HeadObject of a full object key: size, ETag and Content-Type; null when absent. */
  async head(objectKey: string) {
    try {
      const r = await this.withDeadline((abortSignal) =>
        this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: objectKey }), {
          abortSignal,
        }),
      );
      return { size: Number(r.ContentLength ?? 0), etag: r.ETag, contentType: r.ContentType };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new S3StorageError('head', error);
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.objectKey(from);
    const target = this.objectKey(to);
    await this.send('copy', (abortSignal) =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.location.bucket,
          Key: target,
          CopySource: `${this.location.bucket}/${source}`,
        }),
        { abortSignal },
      ),
    );
    await this.deleteRaw(source);
  }

  async delete(key: string): Promise<void> {
    await this.deleteRaw(this.objectKey(key));
  }

  /** DeleteObject of a full object key (absent is fine in S3). */
  async deleteRaw(objectKey: string): Promise<void> {
    await this.send('delete', (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: objectKey }), {
        abortSignal,
      }),
    );
  }

  /** Writes and deletes a tiny probe: proves endpoint, credentials, bucket and write access. */
  async check(): Promise<void> {
    const probe = this.prefixed(`.tmp/health-${randomBytes(6).toString('hex')}`);
    await this.send('health check', (abortSignal) =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.location.bucket, Key: probe, Body: 'ok' }),
        { abortSignal },
      ),
    );
    await this.deleteRaw(probe);
  }

  /**
   * Runs one SDK call under a total deadline (retries included): a store that accepts and
   * never answers costs at most timeoutMs, then the call fails with an AbortError.
   */
  async withDeadline<T>(fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.o.timeoutMs ?? DEFAULT_S3_TIMEOUT_MS);
    try {
      return await fn(controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async send<T>(action: string, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.withDeadline(fn);
    } catch (error) {
      throw new S3StorageError(action, error);
    }
  }
}

/** The SDK gave up on an unanswered request (idle or connect timeout). */
function isTimeoutError(error: unknown): boolean {
  return (error as { name?: string })?.name === 'TimeoutError';
}

/** The request body failed (client went away): not a storage failure. */
function isClientAbort(error: unknown): boolean {
  const e = error as { name?: string; code?: string };
  return (
    e?.name === 'ClientAbortedError' ||
    e?.code === 'ECONNRESET' ||
    e?.code === 'ERR_STREAM_PREMATURE_CLOSE'
  );
}
