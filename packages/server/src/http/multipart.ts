/**
 * Streams a multipart/form-data request through busboy, handling parts strictly in order
 * (one at a time, each file stream consumed by its handler), so no file is ever buffered.
 */
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { badRequest, ClientAbortedError } from '../errors.js';

export interface PartHandlers {
  field(name: string, value: string): Promise<void>;
  file(name: string, stream: Readable, mimeType: string): Promise<void>;
  /** After the last part, when nothing failed. */
  end(): Promise<void>;
}

const MAX_PARTS = 5;

const malformed = (e: unknown) =>
  badRequest(
    `Malformed multipart body (${(e as Error)?.message ?? 'unreadable'}): send the whole form with its closing boundary, as a form-data library does.`,
  );

/**
 * Resolves once every part was handled; rejects with the first failure (the rest is not read),
 * but only after the handler in flight has settled, so whatever it stored is known to the
 * caller's cleanup and no temp file outlives the request.
 */
export function readMultipart(req: Request, handlers: PartHandlers): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fields: MAX_PARTS, files: MAX_PARTS, parts: MAX_PARTS, fieldSize: 1024 * 1024 },
      });
    } catch {
      reject(
        badRequest(
          'Invalid multipart/form-data request: the boundary is missing from Content-Type.',
        ),
      );
      return;
    }
    let failed = false;
    let chain: Promise<unknown> = Promise.resolve();
    /** The file part being read, if any: it must end (with the failure) for its handler to. */
    let current: Readable | undefined;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      current?.destroy(error as Error);
      void chain.then(
        () => reject(error),
        () => reject(error),
      );
    };
    const step = (fn: () => Promise<unknown>) => {
      chain = chain.then(() => (failed ? undefined : fn())).catch(fail);
    };
    bb.on('field', (name, value) => step(() => handlers.field(name, value)));
    bb.on('file', (name, stream, info) => {
      // busboy errors a part it cannot finish (cut body) while the handler may still be
      // opening its temp file, before it listens: without this the process would crash.
      stream.on('error', (e) => fail(malformed(e)));
      if (failed) {
        stream.resume();
        return;
      }
      step(() => {
        current = stream;
        return handlers.file(name, stream, info.mimeType).finally(() => {
          current = undefined;
          stream.resume();
        });
      });
    });
    const tooMany = () =>
      fail(badRequest('Too many parts: send one "metadata" field and at most "plot" and "code".'));
    bb.on('partsLimit', tooMany);
    bb.on('filesLimit', tooMany);
    bb.on('fieldsLimit', tooMany);
    bb.on('error', (e) => fail(malformed(e)));
    req.on('aborted', () => fail(new ClientAbortedError()));
    req.on('error', () => fail(new ClientAbortedError()));
    bb.on('close', () => step(() => handlers.end().then(resolve)));
    req.pipe(bb);
  });
}
