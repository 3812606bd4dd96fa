/**
 * Local checks on an artifact before any request: it exists, is a readable regular file, is
 * of a media type its kind accepts and within the size limit. The sha256 is computed while
 * streaming, so a large file is never held in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

/** The server's default `--max-upload-bytes`. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;

export interface InspectedFile {
  path: string;
  kind: ArtifactKind;
  size: number;
  sha256: string;
  contentType: string;
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
  await pipeline((o.open ?? createReadStream)(path), async (source: AsyncIterable<Buffer>) => {
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
  return { path, kind, size, sha256: hash.digest('hex'), contentType };
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
