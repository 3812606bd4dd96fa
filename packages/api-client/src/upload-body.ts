/**
 * Request bodies for uploads: a web ReadableStream pulled chunk by chunk from a Node stream,
 * so the file is never buffered whole and progress counts the bytes fetch actually took.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BodyNotRepeatableError } from './transport.js';

export type UploadSource = string | (() => NodeJS.ReadableStream);

/**
 * Opens the source afresh for each attempt (a path re-opens the file; a factory is called
 * again). A factory that hands back a stream already read cannot be retried.
 */
export function uploadBodies(source: UploadSource) {
  let current: Readable | undefined;
  return {
    open(): Readable {
      const previous = current;
      current?.destroy();
      const stream = typeof source === 'string' ? createReadStream(source) : toReadable(source());
      if (stream === previous || stream.readableDidRead || stream.destroyed) {
        throw new BodyNotRepeatableError('the upload stream cannot be read again');
      }
      current = stream;
      return stream;
    },
    /** Releases the file handle of the last attempt (fetch may not have read to the end). */
    close(): void {
      current?.destroy();
    },
  };
}

function toReadable(stream: NodeJS.ReadableStream): Readable {
  return stream instanceof Readable ? stream : new Readable().wrap(stream);
}

/** A pull-based web stream over `stream`; `onChunk` sees each chunk as fetch takes it. */
export function countingBody(
  stream: Readable,
  onChunk: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (done) {
          controller.close();
          return;
        }
        const chunk = typeof value === 'string' ? Buffer.from(value) : value;
        onChunk(chunk.byteLength);
        controller.enqueue(chunk);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    // Pull only when fetch asks, so nothing is read ahead of the socket.
    { highWaterMark: 0 },
  );
}
