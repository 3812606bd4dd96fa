/** Placeholder until the multipart direct publish lands. */
import type { Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { HttpError } from '../errors.js';
import type { AppContext } from './context.js';

export async function directPublish(
  _ctx: AppContext,
  _req: Request,
  _res: Response,
  _p: Principal,
  _key?: string,
) {
  throw new HttpError(415, 'unsupported_media_type', 'multipart publish is not available yet.');
}
