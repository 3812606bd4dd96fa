/**
 * Direct publish: one multipart/form-data request with a `metadata` JSON part and the file
 * parts. Files are file-backed Blobs (fs.openAsBlob), so fetch streams them from disk.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { contract, HEADERS } from './contract.js';
import { InputError, invalidMetadata } from './errors.js';
import { keyFor } from './idempotency.js';
import { callEntry } from './request.js';
import {
  type ArtifactKind,
  type DirectPublishMetadata,
  DirectPublishMetadataSchema,
  type Snapshot,
} from './schemas.js';
import type { TransportConfig } from './transport.js';

/** A file already checked and hashed by the caller (@snapshotplot/core's inspectFile). */
export interface ArtifactFile {
  kind: ArtifactKind;
  path: string;
  sha256: string;
  contentType: string;
}

/**
 * Checks the metadata, then publishes, stores and finalizes the given files in one request to
 * `contract.publishDirect` on the API at `baseUrl`.
 */
export async function publishDirect(
  config: TransportConfig,
  baseUrl: string,
  metadata: DirectPublishMetadata,
  inspected: readonly ArtifactFile[],
): Promise<Snapshot> {
  const parsed = DirectPublishMetadataSchema.safeParse(metadata);
  if (!parsed.success) throw invalidMetadata(parsed.error.issues);
  if (inspected.length === 0) {
    throw new InputError(
      'invalid_metadata',
      'Nothing to publish: give a plot file, a code file or both.',
    );
  }
  // A key of its own (prefix 'spd1'): the same files sent as JSON publish are another body.
  const idempotencyKey = keyFor('spd1', {
    metadata: parsed.data,
    files: inspected.map((f) => ({ kind: f.kind, sha256: f.sha256, type: f.contentType })),
  });
  const res = await callEntry(config, baseUrl, contract.publishDirect, {
    timeout: 'idle',
    headers: { [HEADERS.idempotencyKey]: idempotencyKey },
    // Rebuilt per attempt; fetch sets the multipart boundary and the Content-Type itself.
    body: async () => {
      const form = new FormData();
      form.set('metadata', JSON.stringify(parsed.data));
      for (const f of inspected) {
        form.set(f.kind, await openAsBlob(f.path, { type: f.contentType }), basename(f.path));
      }
      return form;
    },
  });
  return res.data;
}
