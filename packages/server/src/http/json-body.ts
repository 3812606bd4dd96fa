/** The JSON body parser of the API: 1 MiB at most, and other media types refused with 415. */
import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError } from '../errors.js';

export const JSON_LIMIT = '1mb';

/** A JSON body parser that refuses other media types with 415. */
export function jsonBody() {
  const parse = express.json({ limit: JSON_LIMIT, strict: false });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('application/json')) {
      next(
        new HttpError(415, 'unsupported_media_type', 'Send the request body as application/json.'),
      );
      return;
    }
    parse(req, res, next);
  };
}
