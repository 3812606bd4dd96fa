/**
 * GET /thumbs/{snapshot id}?expires=…&sig=…: the plot's thumbnail (thumbnailer.ts), a WebP.
 *
 * Authorised exactly like the plot itself: the query is the signed query of the snapshot's
 * plot_url (same HMAC over id, "plot" and expiry): a thumbnail shows no more than the plot,
 * so plot_url's capability is the right one and no new secret or lifetime is needed. The
 * grid derives the URL from plot_url (gallery/view-grid.ts plotThumb).
 *
 * The bytes of a thumbnail never change (it is made once from content with that sha256):
 * the ETag is the plot's sha256, a matching If-None-Match is answered 304 before anything is
 * read, and caches may keep it until the URL expires (`immutable`). The headers of artifact
 * delivery stay: nosniff, CSP sandbox, CORP same-origin.
 */
import type { Request, Response, Router } from 'express';
import { forbidden, HttpError, notFound, unauthorized } from '../errors.js';
import type { AppContext } from '../http/context.js';
import { signedPlot } from '../snapshots/read.js';
import { THUMBNAIL_TYPE } from './thumbnailer.js';

export const THUMBS_PREFIX = '/thumbs';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The thumbnail URL of a plot_url: its signed query on /thumbs/{id}; null when unsigned. */
export function thumbnailUrl(snapshotId: string, plotUrl: string | null): string | null {
  if (!plotUrl) return null;
  let signed: URL;
  try {
    signed = new URL(plotUrl);
  } catch {
    return null;
  }
  const expires = signed.searchParams.get('expires');
  const sig = signed.searchParams.get('sig');
  if (!expires || !sig) return null;
  const q = new URLSearchParams({ expires, sig });
  return `${signed.origin}${THUMBS_PREFIX}/${encodeURIComponent(snapshotId)}?${q.toString()}`;
}

async function thumbHandler(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const id = req.params.id as string;
  const { expires, sig } = req.query;
  if (!ID.test(id)) throw notFound(`Snapshot ${id} not found.`);
  if (typeof expires !== 'string' || typeof sig !== 'string') {
    throw unauthorized(
      'invalid_token',
      'A thumbnail URL needs the signed query of the plot_url (expires, sig): use the URL the gallery gives.',
      'invalid_token',
    );
  }
  const check = await signedPlot(ctx, id, expires, sig);
  if (check === 'expired')
    throw forbidden(
      'This thumbnail link has expired: reload the gallery page for a fresh one.',
      'token_expired',
    );
  if (check === 'invalid')
    throw unauthorized(
      'invalid_token',
      'This thumbnail link is not valid: use the URL the gallery gives.',
      'invalid_token',
    );
  const { file } = check;
  if (!file) throw notFound(`Snapshot ${id} has no plot to make a thumbnail of.`);
  const etag = `"${file.sha256}"`;
  const left = Number(expires) - Math.floor(ctx.now().getTime() / 1000);
  res.set({
    ETag: etag,
    // Fresh until the signed URL expires (the bytes behind one URL never change).
    'Cache-Control': `public, max-age=${Math.max(0, left)}, immutable`,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  if (req.get('if-none-match') === etag) {
    res.status(304).end();
    return;
  }
  const thumb = await ctx.thumbnails.get(file);
  if (!thumb)
    throw new HttpError(
      404,
      'not_found',
      `The plot file of snapshot ${id} is missing from storage: no thumbnail.`,
    );
  // A "not made yet" placeholder must not be kept: the next view gets the real one.
  if (thumb.temporary) res.set('Cache-Control', 'no-store');
  res.setHeader('Content-Type', THUMBNAIL_TYPE);
  res.set('Content-Length', String(thumb.bytes.length));
  res.end(req.method === 'HEAD' ? undefined : thumb.bytes);
}

export function thumbnailRoutes(ctx: AppContext, router: Router): void {
  router.get(`${THUMBS_PREFIX}/:id`, (req, res, next) => {
    thumbHandler(ctx, req, res).catch(next);
  });
}
