/** What every gallery page shares: the session gate, HTML error pages, id and filter parsing. */
import { ListSnapshotsQuerySchema } from '@snapshotplot/api-client/contract';
import type { Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../http/context.js';
import { sessionOf } from '../http/session-auth.js';
import { html } from './html.js';
import { sendPage, signOutNav } from './layout.js';
import { clearSessionCookie, isHttps, type SessionPayload } from './session.js';
import type { GridFilters } from './view-grid.js';

export const ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILTER_KEYS = ['collection', 'branch', 'pr_number', 'tag', 'author', 'q'] as const;

export interface Signed {
  session: SessionPayload;
  principal: Principal;
}

type PageHandler = (req: Request, res: Response, s: Signed) => Promise<void>;

/** Runs a page for a signed-in reader; otherwise sends the browser to sign in. */
export function page(ctx: AppContext, handler: PageHandler) {
  return async (req: Request, res: Response) => {
    const s = await sessionOf(ctx, req);
    if (!s) {
      // A cookie that no longer works (revoked token, expiry) is removed, and the user told why.
      const hadCookie = /snapshotplot_session=/.test(req.headers.cookie ?? '');
      if (hadCookie) res.append('Set-Cookie', clearSessionCookie(isHttps(req, ctx.publicUrl())));
      const next = encodeURIComponent(req.originalUrl);
      res.redirect(303, `/signin?next=${next}${hadCookie ? '&ended=1' : ''}`);
      return;
    }
    try {
      await handler(req, res, s);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status >= 500) throw error;
      const title =
        error.status === 404 ? 'Not found' : error.status === 400 ? 'Bad request' : 'Not allowed';
      sendPage(res, {
        status: error.status,
        title,
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: html`<h1>${title}</h1><p class="error">${error.message}</p><p><a href="/">Back to your projects</a></p>`,
      });
    }
  };
}

/** The header's sign-out form and who is signed in. */
export const nav = (s: Signed) =>
  signOutNav(
    s.session.c,
    // Which project and which role ("proj_x · reader"); the token id stays in the tooltip.
    s.principal.kind === 'token'
      ? [...s.principal.grants].map(([project, role]) => `${project} · ${role}`).join(', ') ||
          'no project'
      : s.principal.id,
    s.principal.kind === 'token' ? s.principal.id : `user ${s.principal.id}`,
  );

export const notFound = (what: string) =>
  new HttpError(404, 'not_found', `${what} does not exist, or this session cannot read it.`);

/** The project id of the path when the session may read it. */
export function readableProject(s: Signed, id: string | undefined): string {
  if (!id || !ID.test(id) || !s.principal.grants.has(id)) throw notFound(`Project ${id ?? ''}`);
  return id;
}

/** Picks the grid's filters out of a query; invalid values are reported, not thrown. */
export function parseFilters(query: Request['query']): {
  filters: GridFilters;
  cursor?: string;
  error?: string;
} {
  const picked: Record<string, unknown> = {};
  for (const k of [...FILTER_KEYS, 'cursor']) {
    const v = query[k];
    if (typeof v === 'string' && v.trim() !== '') picked[k] = v.trim();
  }
  const r = ListSnapshotsQuerySchema.safeParse(picked);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return {
      filters: {},
      error: `Filter "${String(issue.path[0])}": ${issue.message}. Showing everything instead.`,
    };
  }
  const { cursor, limit: _limit, ...rest } = r.data;
  const filters: GridFilters = {};
  for (const k of FILTER_KEYS)
    if (rest[k] !== undefined) (filters as Record<string, unknown>)[k] = rest[k];
  return { filters, ...(cursor ? { cursor } : {}) };
}
