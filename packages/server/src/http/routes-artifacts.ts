/**
 * GET /api/snapshots/{id}/{plot|code}: artifact delivery, by bearer token or by the signed
 * query (`expires`, `sig`) of plot_url / code_url. Served so that uploaded bytes can never run
 * script on this origin: plots with their stored type, code as text/plain, nosniff, CSP
 * sandbox, CORP same-origin, HTML as an attachment.
 */
import { contract } from '@snapshotplot/api-client/contract';
import type { Request, Router } from 'express';
import { canRead } from '../auth/principal.js';
import { checkDelivery } from '../auth/upload-tokens.js';
import { forbidden, HttpError, notFound, unauthorized } from '../errors.js';
import { openArtifact, readSnapshot } from '../snapshots/read.js';
import { principalOf } from './auth-helpers.js';
import type { AppContext } from './context.js';
import { mountFor } from './mount.js';

/** One `bytes=` range as inclusive offsets; null when absent or multi-range (serve whole). */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * The caller of a delivery: null for a valid signed query (`expires`, `sig`), else the bearer
 * principal. `what` names the URL a client should use instead of a broken one.
 */
export async function authorise(
  ctx: AppContext,
  req: Request,
  res: Parameters<typeof principalOf>[2],
  id: string,
  kind: string,
  what = 'plot_url/code_url',
) {
  const { expires, sig } = req.query;
  if (typeof expires === 'string' && typeof sig === 'string' && !req.headers.authorization) {
    const r = checkDelivery(ctx.secret, {
      snapshotId: id,
      kind,
      expires,
      sig,
      nowSeconds: Math.floor(ctx.now().getTime() / 1000),
    });
    if (r === 'expired')
      throw forbidden(
        `This link has expired: fetch the snapshot again for a fresh ${what}.`,
        'token_expired',
      );
    if (r === 'invalid')
      throw unauthorized(
        'invalid_token',
        `This link is not valid: use the ${what} returned by the API.`,
        'invalid_token',
      );
    return null;
  }
  return principalOf(ctx, req, res);
}

/**
 * A signed URL's bytes never change, but the URL must stop working at `expires`: no cache may
 * keep serving them past it (at most an hour, never `immutable`).
 */
export function signedCacheControl(ctx: AppContext, req: Request): string {
  const left = Number(req.query.expires) - Math.floor(ctx.now().getTime() / 1000);
  return `public, max-age=${Math.max(0, Math.min(3600, left))}`;
}

export function artifactRoutes(ctx: AppContext, router: Router): void {
  const mount = mountFor(ctx);
  // The signed query is a credential (401/403 answers of its own): read by authorise().
  mount(
    router,
    contract.getArtifact,
    async ({ params: { id, kind }, req, res }) => {
      const principal = await authorise(ctx, req, res, id, kind);
      const snap = await readSnapshot(ctx, id);
      if (!snap || (principal && !canRead(principal, snap.project_id)))
        throw notFound(`Snapshot ${id} not found.`);
      const file = snap.files.find((f) => f.kind === kind);
      if (!file || snap.status !== 'ready')
        throw notFound(`Snapshot ${id} has no ${kind} to download (yet).`);
      const etag = `"${file.sha256}"`;
      // setHeader, not res.set: express would append a charset to text/* types. Code goes out
      // as text/plain whatever was stored (the API's metadata keeps that): with nosniff a
      // browser then refuses it as a <script>, which `text/javascript` from this origin would
      // pass under the gallery's script-src 'self'.
      res.setHeader(
        'Content-Type',
        kind === 'code' ? 'text/plain; charset=utf-8' : file.content_type,
      );
      res.set({
        ETag: etag,
        'Accept-Ranges': 'bytes',
        'X-Content-Type-Options': 'nosniff',
        // sandbox: no script, no same-origin access, whatever the type claims to be.
        'Content-Security-Policy':
          "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
        'Cache-Control': principal ? 'private, max-age=300' : signedCacheControl(ctx, req),
        // Only this origin may embed the bytes (the gallery); other sites cannot hotlink or
        // probe them with no-cors requests. Server-side fetches (CI summaries) are unaffected.
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      if (file.content_type === 'text/html') {
        res.set('Content-Disposition', `attachment; filename="${kind}-${id}.html"`);
      }
      if (req.get('if-none-match') === etag) {
        res.status(304).end();
        return;
      }
      const range = parseRange(req.get('range'), file.size);
      if (range === 'unsatisfiable') {
        res.set('Content-Range', `bytes */${file.size}`);
        throw new HttpError(
          416,
          'validation_failed',
          `The requested range is outside the ${file.size}-byte file.`,
        );
      }
      const object = await openArtifact(ctx, file, range ?? undefined);
      if (!object) throw notFound(`The ${kind} file of snapshot ${id} is missing from storage.`);
      if (range) {
        res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`);
        res.set('Content-Length', String(range.end - range.start + 1));
      } else {
        res.set('Content-Length', String(object.size));
      }
      if (req.method === 'HEAD') {
        object.stream.destroy();
        res.end();
        return;
      }
      // The storage failed mid-response (disk error, S3 reset or idle timeout): the status is
      // gone already, so log it and cut this response only; never an unheard 'error'.
      object.stream.on('error', (err) => {
        req.log?.warn({ reason: err.message }, 'artifact read failed mid-response');
        res.destroy();
      });
      // A client that goes away must not leave the source open (an S3 socket, a file handle).
      res.once('close', () => object.stream.destroy());
      object.stream.pipe(res);
    },
    { rawQuery: true },
  );
}
