/**
 * Local checks on an artifact before any request: it exists, is a readable regular file, is
 * of a media type its kind accepts and within the size limit. The sha256 is computed while
 * streaming, so a large file is never held in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InputError } from '@snapshotplot/api-client';
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  acceptedContentTypes,
  contentTypeForFile,
  formatBytes,
} from '@snapshotplot/api-client/contract';
import { lookupExtension } from './extension-types.js';

/**
 * Opens a file for reading. Injected (tests count reads with it); every read of an artifact,
 * hashing and uploading alike, goes through one.
 */
export type OpenFile = (path: string) => NodeJS.ReadableStream;

/**
 * Chunk size of artifact reads. 1 MiB instead of the stream default of 64 KiB: a sixteenth of
 * the chunks to hash and to hand to fetch (hashing 100 MiB: ~210 -> ~155 ms of CPU here).
 */
const READ_CHUNK = 1024 * 1024;

/** The default OpenFile: a file stream in 1 MiB chunks. */
export function openArtifact(path: string): ReadStream {
  return createReadStream(path, { highWaterMark: READ_CHUNK });
}

/** The server's default `--max-upload-bytes`. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;

export interface InspectedFile {
  path: string;
  kind: ArtifactKind;
  size: number;
  sha256: string;
  contentType: string;
  /** Modification time when it was hashed (ms): a later one means the bytes may differ. */
  mtimeMs?: number;
}

/** Checks existence/readability/size/content type and hashes (streamed). Throws InputError. */
export async function inspectFile(
  kind: ArtifactKind,
  path: string,
  o: { maxBytes?: number | undefined; open?: OpenFile | undefined } = {},
): Promise<InspectedFile> {
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const label = `${kind} file ${path}`;
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw fsError(error, label, path);
  });
  if (!info.isFile()) {
    throw new InputError(
      'file_unreadable',
      `The ${label} is not a regular file; pass a file path.`,
      {
        path,
      },
    );
  }
  const contentType = contentTypeForFile(kind, basename(path), lookupExtension);
  if (!contentType) {
    throw new InputError(
      'unsupported_file_type',
      `The ${label} is not a supported ${kind} type; use one of: ${acceptedContentTypes(kind).join(', ')} ` +
        `(by file extension).`,
      { path },
    );
  }
  if (info.size > maxBytes) throw tooLarge(label, path, info.size, maxBytes);
  const hash = createHash('sha256');
  let size = 0;
  await pipeline((o.open ?? openArtifact)(path), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      // The file may grow while we read it; stop early rather than hash gigabytes.
      if (size > maxBytes) throw tooLarge(label, path, size, maxBytes);
      hash.update(chunk);
    }
  }).catch((error: unknown) => {
    throw error instanceof InputError
      ? error
      : fsError(error as NodeJS.ErrnoException, label, path);
  });
  // The file may have been rewritten while it was read: then the hash is of neither version.
  const after = statOrThrow(label, path);
  if (after.size !== size || after.mtimeMs !== info.mtimeMs) {
    throw changed(label, path, 'while it was being hashed');
  }
  return { path, kind, size, sha256: hash.digest('hex'), contentType, mtimeMs: info.mtimeMs };
}

/**
 * Throws InputError 'file_changed' when the file is no longer the one inspectFile hashed
 * (another size or modification time), so its bytes would not match the checksum that the
 * publish request carried. Cheap (one stat): called before every upload attempt.
 */
export function assertUnchanged(file: InspectedFile): void {
  const label = `${file.kind} file ${file.path}`;
  const now = statOrThrow(label, file.path);
  if (now.size !== file.size || (file.mtimeMs !== undefined && now.mtimeMs !== file.mtimeMs)) {
    const how =
      now.size !== file.size
        ? `after it was checked (${formatBytes(file.size)} then, ${formatBytes(now.size)} now)`
        : 'after it was checked (modified since)';
    throw changed(label, file.path, how);
  }
}

/** The InputError for a file whose bytes are not the ones that were (or are being) hashed. */
export function changed(label: string, path: string, how: string): InputError {
  return new InputError(
    'file_changed',
    `The ${label} changed ${how}, so it no longer matches the checksum sent with the publish; ` +
      'nothing of it was stored. Publish again once the file is completely written.',
    { path },
  );
}

function statOrThrow(label: string, path: string) {
  try {
    return statSync(path);
  } catch (error) {
    throw fsError(error as NodeJS.ErrnoException, label, path);
  }
}

/** Inspects the plot and/or code file; at least one must be given. */
export async function inspectArtifacts(
  files: { plot?: string | undefined; code?: string | undefined },
  maxBytes?: number,
  open?: OpenFile,
): Promise<InspectedFile[]> {
  const inspected: InspectedFile[] = [];
  for (const kind of ARTIFACT_KINDS) {
    const path = files[kind];
    if (path) inspected.push(await inspectFile(kind, path, { maxBytes, open }));
  }
  if (inspected.length === 0) {
    throw new InputError(
      'invalid_metadata',
      'Nothing to publish: give a plot file, a code file or both.',
    );
  }
  return inspected;
}

function tooLarge(label: string, path: string, size: number, maxBytes: number): InputError {
  return new InputError(
    'file_too_large',
    `The ${label} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit; ` +
      'make it smaller or raise the limit (the server must accept it too).',
    { path },
  );
}

function fsError(error: NodeJS.ErrnoException, label: string, path: string): InputError {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
    return new InputError('file_not_found', `The ${label} does not exist; check the path.`, {
      path,
      cause: error,
    });
  }
  return new InputError(
    'file_unreadable',
    `The ${label} cannot be read (${error.code ?? error.message}); check its permissions.`,
    { path, cause: error },
  );
}
