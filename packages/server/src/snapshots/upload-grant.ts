/**
 * An upload URL's token as the upload's credential: signed by this server, for this snapshot
 * and kind, unexpired. Missing or altered is 401, another artifact's is 403, expired is 403
 * upload_url_expired. Single use is the upload's business (the nonce is consumed only once
 * the bytes are stored).
 */
import type { ArtifactKind } from '@snapshotplot/api-client/contract';
import { readUploadToken, type UploadTokenPayload } from '../auth/upload-tokens.js';
import { forbidden, unauthorized } from '../errors.js';
import type { SnapshotDeps } from './deps.js';

/** A checked upload token: what it lets the caller upload. */
export interface UploadGrant {
  snapshotId: string;
  kind: ArtifactKind;
  token: UploadTokenPayload;
}

const invalidToken = (status: 401 | 403, message: string) =>
  status === 401
    ? unauthorized('invalid_upload_token', message, 'invalid_token')
    : forbidden(message, 'invalid_upload_token');

/** Checks the upload URL's token for this snapshot and kind (401/403 when it does not hold). */
export function authoriseUpload(
  deps: Pick<SnapshotDeps, 'signer' | 'now'>,
  token: unknown,
  snapshotId: string,
  kind: ArtifactKind,
): UploadGrant {
  if (typeof token !== 'string' || token === '') {
    throw invalidToken(
      401,
      'The upload URL has no token: use the exact upload_urls value returned by publish.',
    );
  }
  const payload = readUploadToken(deps.signer.secret, token);
  if (!payload) {
    throw invalidToken(
      401,
      'The upload token is not valid (altered or from another server): publish again for fresh upload URLs.',
    );
  }
  if (payload.s !== snapshotId || payload.k !== kind) {
    throw invalidToken(
      403,
      `This upload token is for ${payload.k} of ${payload.s}, not ${kind} of ${snapshotId}: use the URL publish returned for this artifact.`,
    );
  }
  if (payload.e * 1000 <= deps.now().getTime()) {
    throw forbidden(
      'The upload URL has expired: publish again (same Idempotency-Key) for fresh upload URLs.',
      'upload_url_expired',
    );
  }
  return { snapshotId, kind, token: payload };
}
