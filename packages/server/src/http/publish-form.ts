/**
 * The multipart direct publish's form: a `metadata` JSON field first, then `plot` / `code`
 * file parts. This file parses and authorises each part as it streams in and hands it to the
 * direct-publish service (snapshots/direct-publish.ts), which stores and commits.
 */
import { DirectPublishMetadataSchema, SnapshotSchema } from '@snapshotplot/api-client/contract';
import type { Request, Response } from 'express';
import { type Principal, requireRole } from '../auth/principal.js';
import { badRequest, HttpError } from '../errors.js';
import type { SnapshotDeps } from '../snapshots/deps.js';
import { Replay, startDirectPublish } from '../snapshots/direct-publish.js';
import { toSnapshot } from '../snapshots/view.js';
import { closeAfterAnswer } from './lingering-close.js';
import { readMultipart } from './multipart.js';
import { parseWith } from './validate.js';

/** Handles POST /api/snapshots/publish with multipart/form-data. */
export async function publishForm(
  deps: SnapshotDeps,
  req: Request,
  res: Response,
  principal: Principal,
  key?: string,
): Promise<void> {
  const publish = startDirectPublish(deps, principal.key, key);
  let seenMetadata = false;
  try {
    await readMultipart(req, {
      async field(name, value) {
        if (name !== 'metadata')
          throw badRequest(
            `Unknown form field "${name}": send "metadata" (JSON) and "plot"/"code" files.`,
          );
        if (seenMetadata) throw badRequest('The "metadata" field was sent twice: send it once.');
        let json: unknown;
        try {
          json = JSON.parse(value);
        } catch {
          throw new HttpError(
            400,
            'invalid_json',
            'The "metadata" field is not valid JSON: check the syntax.',
          );
        }
        const metadata = parseWith(DirectPublishMetadataSchema, json, 'metadata');
        requireRole(principal, metadata.project_id, 'publisher');
        seenMetadata = true;
        await publish.begin(metadata);
      },
      async file(name, stream, mimeType) {
        if (!seenMetadata) throw badRequest('Send the "metadata" field before the file parts.');
        if (name !== 'plot' && name !== 'code')
          throw badRequest(`Unknown file part "${name}": use "plot" or "code".`);
        if (publish.kinds().includes(name)) throw badRequest(`The "${name}" file was sent twice.`);
        await publish.addFile(name, stream, mimeType);
      },
      async end() {
        if (!seenMetadata) throw badRequest('The "metadata" field is missing.');
        if (publish.kinds().length === 0)
          throw badRequest('Send at least one file part: "plot" or "code".');
      },
    });
    const { status, snapshot } = await publish.finish();
    res.status(status).json(SnapshotSchema.parse(toSnapshot(deps, snapshot)));
  } catch (error) {
    await publish.abort();
    if (!(error instanceof Replay)) throw error;
    // The rest of the body is not read: do not reuse the connection (closed gently).
    closeAfterAnswer(req, res);
    res.status(error.status).json(SnapshotSchema.parse(toSnapshot(deps, error.snapshot)));
  }
}
