/** The gallery's pages: project list, project grid, snapshot, compare, review, live card fragments. */
import type { Snapshot } from '@snapshotplot/api-client/contract';
import type { Router } from 'express';
import { readComparison, recordReview } from '../comparisons/service.js';
import type { SnapshotRecord } from '../data/records.js';
import { type AppContext, comparisonDeps, snapshotDeps } from '../http/context.js';
import {
  listCollections,
  listLatest,
  listProjectsAmong,
  listSnapshots,
  listVersions,
  readProject,
  readReadySnapshot,
} from '../snapshots/read.js';
import { toSnapshot } from '../snapshots/view.js';
import { thumbnailRoutes } from '../thumbnails/routes.js';
import { codePanel } from './code-view.js';
import { html } from './html.js';
import { sendFragment, sendPage } from './layout.js';
import { ID, nav, notFound, page, parseFilters, readableProject } from './page-helpers.js';
import { frameBaseOf, frameOrigin, isLive, plotFrameRoutes } from './plot-frame.js';
import { reviewRoutes } from './routes-review.js';
import { sessionRoutes } from './routes-session.js';
import { staticRoutes } from './static.js';
import { comparePage } from './view-compare.js';
import { card, type GridView, gridPage, matches } from './view-grid.js';
import { snapshotPage } from './view-snapshot.js';

/** The grid's view parameter: `all` or `latest` (the default); anything else is named. */
function parseView(v: unknown): { view: GridView; error?: string } {
  if (v === undefined || v === '' || v === 'latest') return { view: 'latest' };
  if (v === 'all') return { view: 'all' };
  return {
    view: 'latest',
    error: `View "${String(v)}" is not one of latest, all. Showing the latest per plot instead.`,
  };
}

export function galleryRoutes(ctx: AppContext, router: Router): void {
  staticRoutes(router);
  sessionRoutes(ctx, router);
  plotFrameRoutes(ctx, router);
  thumbnailRoutes(ctx, router);
  const frameBase = () => frameBaseOf(ctx);
  const review = comparisonDeps(ctx);
  reviewRoutes(ctx, router, {
    read: (projectId, query) => readComparison(review, projectId, query),
    record: (principal, projectId, body) => recordReview(review, principal, projectId, body),
  });
  const deps = snapshotDeps(ctx);
  const toView = (r: SnapshotRecord): Snapshot => toSnapshot(deps, r);

  async function readySnapshot(projectId: string, id: string | undefined) {
    const rec = id && ID.test(id) ? await readReadySnapshot(deps, projectId, id) : undefined;
    if (!rec) throw notFound(`Snapshot ${id ?? ''}`);
    return rec;
  }

  router.get(
    '/',
    page(ctx, async (_req, res, s) => {
      const ids = [...s.principal.grants.keys()].sort();
      if (ids.length === 1) return res.redirect(303, `/projects/${ids[0]}`);
      const projects = await listProjectsAmong(deps, new Set(s.principal.grants.keys()));
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
      const project = await readProject(deps, projectId);
      const { filters, cursor, error: filterError } = parseFilters(req.query);
      const { view, error: viewError } = parseView(req.query.view);
      const error = filterError ?? viewError;
      const where = { ...filters, status: 'ready' as const };
      let rows: SnapshotRecord[];
      let versions: Map<string, number> | undefined;
      let nextCursor: string | null;
      if (view === 'latest') {
        const latest = await listLatest(deps, projectId, where, 24, cursor);
        rows = latest.page.map((p) => p.snapshot);
        versions = new Map(latest.page.map((p) => [p.snapshot.id, p.versions]));
        nextCursor = latest.nextCursor;
      } else {
        ({ page: rows, nextCursor } = await listSnapshots(deps, projectId, where, 24, cursor));
      }
      const collections = (await listCollections(deps, projectId)).map((c) => c.name);
      sendPage(res, {
        title: project?.name ?? projectId,
        publicUrl: ctx.publicUrl(),
        nav: nav(s),
        body: gridPage({
          projectId,
          projectName: project?.name ?? projectId,
          filters,
          collections,
          snapshots: rows.map(toView),
          ...(versions ? { versions } : {}),
          view,
          nextCursor,
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
      const rec = await readySnapshot(projectId, req.params.sid as string);
      const snap = toView(rec);
      const { filters } = parseFilters(req.query);
      const { view } = parseView(req.query.view);
      res.set('Cache-Control', 'no-store');
      if (!matches(snap, filters)) return void res.status(204).end();
      if (view === 'all') {
        return void sendFragment(res, card(projectId, snap, ctx.now(), true), ctx.publicUrl());
      }
      // Latest view: the card only while it is its plot's newest picked version, with the count;
      // the page's script then replaces the plot's card (data-plot) with it.
      const plot = { ...filters, status: 'ready' as const, title: rec.title };
      const { page: top } = await listLatest(
        deps,
        projectId,
        { ...plot, collection_id: rec.collection_id },
        1,
      );
      if (top[0]?.snapshot.id !== rec.id) return void res.status(204).end();
      sendFragment(res, card(projectId, snap, ctx.now(), true, top[0].versions), ctx.publicUrl());
    }),
  );

  router.get(
    '/projects/:id/snapshots/:sid',
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const rec = await readySnapshot(projectId, req.params.sid as string);
      const versions = await listVersions(deps, rec, 50);
      const snapshot = toView(rec);
      sendPage(res, {
        title: rec.title,
        publicUrl: ctx.publicUrl(),
        // Only a page that shows a live plot may frame anything, and only from the frame origin.
        ...(isLive(snapshot) ? { frameSrc: frameOrigin(frameBase()) } : {}),
        nav: nav(s),
        body: snapshotPage({
          projectId,
          snapshot,
          code: await codePanel(ctx, rec),
          versions: versions.map(toView),
          forgeUrl: ctx.config.forgeUrl,
          frameBase: frameBase(),
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
      const [viewA, viewB] = [toView(a), toView(b)];
      sendPage(res, {
        title: `Compare ${a.title}`,
        publicUrl: ctx.publicUrl(),
        // Interactive and PDF plots are drawn live side by side, framed from the frame origin.
        ...(isLive(viewA) || isLive(viewB) ? { frameSrc: frameOrigin(frameBase()) } : {}),
        nav: nav(s),
        body: comparePage({
          projectId,
          a: viewA,
          b: viewB,
          codeA: await codePanel(ctx, a),
          codeB: await codePanel(ctx, b),
          frameBase: frameBase(),
          now: ctx.now(),
        }),
      });
    }),
  );
}
