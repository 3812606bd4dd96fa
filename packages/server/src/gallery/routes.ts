/** The gallery's pages: project list, project grid, snapshot, compare, live card fragments. */
import { ListSnapshotsQuerySchema, type Snapshot } from '@snapshotplot/api-client';
import type { Request, Response, Router } from 'express';
import type { Principal } from '../auth/principal.js';
import type { SnapshotRecord } from '../data/store-snapshots.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../http/context.js';
import { toSnapshot } from '../http/snapshot-view.js';
import { codePanel } from './code-view.js';
import { html } from './html.js';
import { sendPage, signOutNav } from './layout.js';
import { sessionRoutes } from './routes-session.js';
import { clearSessionCookie, isHttps, type SessionPayload } from './session.js';
import { sessionOf } from './session-principal.js';
import { staticRoutes } from './static.js';
import { comparePage } from './view-compare.js';
import { card, type GridFilters, gridPage, matches } from './view-grid.js';
import { snapshotPage } from './view-snapshot.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILTER_KEYS = ['collection', 'branch', 'pr_number', 'tag', 'author', 'q'] as const;

interface Signed {
  session: SessionPayload;
  principal: Principal;
}

type PageHandler = (req: Request, res: Response, s: Signed) => Promise<void>;

/** Runs a page for a signed-in reader; otherwise sends the browser to sign in. */
function page(ctx: AppContext, handler: PageHandler) {
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
      sendPage(res, {
        status: error.status,
        title: 'Not found',
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: html`<h1>${error.status === 404 ? 'Not found' : 'Not allowed'}</h1><p class="error">${error.message}</p><p><a href="/">Back to your projects</a></p>`,
      });
    }
  };
}

const nav = (s: Signed) =>
  signOutNav(
    s.session.c,
    s.principal.kind === 'token' ? `token ${s.principal.id}` : s.principal.id,
  );

const notFound = (what: string) =>
  new HttpError(404, 'not_found', `${what} does not exist, or this session cannot read it.`);

/** The project id of the path when the session may read it. */
function readableProject(s: Signed, id: string | undefined): string {
  if (!id || !ID.test(id) || !s.principal.grants.has(id)) throw notFound(`Project ${id ?? ''}`);
  return id;
}

/** Picks the grid's filters out of a query; invalid values are reported, not thrown. */
function parseFilters(query: Request['query']): {
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

export function galleryRoutes(ctx: AppContext, router: Router): void {
  staticRoutes(router);
  sessionRoutes(ctx, router);
  const view = (r: SnapshotRecord): Snapshot => toSnapshot(ctx, r);

  async function readySnapshot(projectId: string, id: string | undefined) {
    const rec = id && ID.test(id) ? await ctx.store.getSnapshot(id) : undefined;
    if (!rec || rec.project_id !== projectId || rec.status !== 'ready')
      throw notFound(`Snapshot ${id ?? ''}`);
    return rec;
  }

  router.get(
    '/',
    page(ctx, async (_req, res, s) => {
      const ids = [...s.principal.grants.keys()].sort();
      if (ids.length === 1) return res.redirect(303, `/projects/${ids[0]}`);
      const projects = (await ctx.store.listProjects()).filter((p) => s.principal.grants.has(p.id));
      sendPage(res, {
        title: 'Projects',
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: html`<h1>Projects</h1>${projects.length ? html`<ul class="projects">${projects.map((p) => html`<li><a href="/projects/${p.id}">${p.name}</a> <code>${p.id}</code></li>`)}</ul>` : html`<p class="empty">This account has no project yet: ask an admin for <code>snapshotplot-server member add</code>.</p>`}`,
      });
    }),
  );

  router.get(
    '/projects/:id',
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const project = await ctx.store.getProject(projectId);
      const { filters, cursor, error } = parseFilters(req.query);
      const { page: rows, more } = await ctx.store.listSnapshots(
        projectId,
        { ...filters, status: 'ready' },
        24,
        cursor,
      );
      const collections = (await ctx.store.listCollections(projectId)).map((c) => c.name);
      sendPage(res, {
        title: project?.name ?? projectId,
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: gridPage({
          projectId,
          projectName: project?.name ?? projectId,
          filters,
          collections,
          snapshots: rows.map(view),
          nextCursor: more ? rows[rows.length - 1]!.id : null,
          isFirstPage: !cursor,
          now: ctx.now(),
          ...(error ? { error } : {}),
        }),
      });
    }),
  );

  // One card for the live updates; 204 when it does not match the page's filters.
  router.get(
    '/projects/:id/cards/:sid',
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const snap = view(await readySnapshot(projectId, req.params.sid as string));
      const { filters } = parseFilters(req.query);
      res.set('Cache-Control', 'no-store');
      if (!matches(snap, filters)) return void res.status(204).end();
      res.type('html').send(card(projectId, snap, ctx.now(), true).value);
    }),
  );

  router.get(
    '/projects/:id/snapshots/:sid',
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const rec = await readySnapshot(projectId, req.params.sid as string);
      const { page: versions } = await ctx.store.listSnapshots(
        projectId,
        { title: rec.title, collection_id: rec.collection_id, status: 'ready' },
        50,
      );
      sendPage(res, {
        title: rec.title,
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: snapshotPage({
          projectId,
          snapshot: view(rec),
          code: await codePanel(ctx.storage, rec),
          versions: versions.map(view),
          forgeUrl: ctx.config.forgeUrl,
          now: ctx.now(),
        }),
      });
    }),
  );

  router.get(
    '/projects/:id/compare',
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const a = await readySnapshot(projectId, req.query.a as string | undefined);
      const b = await readySnapshot(projectId, req.query.b as string | undefined);
      sendPage(res, {
        title: `Compare ${a.title}`,
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: comparePage({
          projectId,
          a: view(a),
          b: view(b),
          codeA: await codePanel(ctx.storage, a),
          codeB: await codePanel(ctx.storage, b),
          now: ctx.now(),
        }),
      });
    }),
  );
}
