/**
 * The review page (`GET /projects/{id}/review?head=…[&base=…][&base_branch=…]`) and its
 * decisions (`POST` to the same path, from the page's Approve / Request changes buttons).
 * Reading needs a session that can read the project; deciding needs publisher or above, the
 * session's CSRF token and a same-origin POST (as sign-out does).
 */
import {
  type Comparison,
  type ComparisonQuery,
  ComparisonQuerySchema,
  type ReviewRequest,
  ReviewRequestSchema,
  ROLES,
} from '@snapshotplot/api-client/contract';
import express, { type Request, type Router } from 'express';
import type { Principal } from '../auth/principal.js';
import { requireRole } from '../auth/principal.js';
import { badRequest, forbidden } from '../errors.js';
import { type AppContext, snapshotDeps } from '../http/context.js';
import { readReadySnapshot } from '../snapshots/read.js';
import { codeDiffPanel } from './code-view.js';
import type { SafeHtml } from './html.js';
import { sendPage } from './layout.js';
import { nav, page, readableProject } from './page-helpers.js';
import { frameBaseOf, frameOrigin } from './plot-frame.js';
import { sameOrigin } from './routes-session.js';
import { csrfMatches } from './session.js';
import { itemAnchor, itemKey, reviewDrawsLive, reviewPage, reviewPath } from './view-review.js';

/** What the page needs from the comparisons service (src/comparisons). */
export interface ReviewService {
  read(projectId: string, query: ComparisonQuery): Promise<Comparison>;
  record(principal: Principal, projectId: string, body: ReviewRequest): Promise<Comparison>;
}

/** Code diffs are rendered for this many items per page; later ones link to their snapshots. */
export const MAX_CODE_DIFFS = 50;

const TARGET_KEYS = ['head', 'base', 'base_branch', 'collection'] as const;

/** The comparison target of a query or form (only its known keys; blanks dropped). */
function pickTarget(source: Record<string, unknown>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const k of TARGET_KEYS) {
    const v = source[k];
    if (typeof v === 'string' && v.trim() !== '') picked[k] = v.trim();
  }
  return picked;
}

function parseQuery(req: Request): ComparisonQuery {
  const picked = pickTarget(req.query as Record<string, unknown>);
  if (!picked.head) {
    throw badRequest(
      'The review page needs the head commit: /projects/ID/review?head=SHA[&base=SHA][&base_branch=BRANCH].',
    );
  }
  const r = ComparisonQuerySchema.safeParse(picked);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw badRequest(`The "${String(issue.path[0])}" parameter is not valid: ${issue.message}.`);
  }
  return r.data;
}

const DECIDED: Record<ReviewRequest['decision'], string> = {
  approved: 'Approved',
  changes_requested: 'Changes requested on',
};

export function reviewRoutes(ctx: AppContext, router: Router, service: ReviewService): void {
  const deps = snapshotDeps(ctx);
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const canReview = (p: Principal, projectId: string) =>
    ROLES.indexOf(p.grants.get(projectId) ?? 'reader') >= ROLES.indexOf('publisher');

  async function codeDiffs(
    projectId: string,
    c: Comparison,
  ): Promise<Map<string, SafeHtml | null>> {
    const out = new Map<string, SafeHtml | null>();
    const items = c.items.filter((i) => i.state !== 'unchanged').slice(0, MAX_CODE_DIFFS);
    // One at a time: the highlight pool is shared with every other page and bounded.
    for (const item of items) {
      const read = (id: string | undefined) =>
        id ? readReadySnapshot(deps, projectId, id).then((r) => r ?? null) : Promise.resolve(null);
      const [base, head] = await Promise.all([read(item.base?.id), read(item.head?.id)]);
      out.set(itemKey(item), await codeDiffPanel(ctx, base, head));
    }
    return out;
  }

  router.get(
    '/projects/:id/review',
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const query = parseQuery(req);
      const comparison = await service.read(projectId, query);
      const done = req.query.reviewed;
      const count = Number(req.query.n);
      const notice =
        (done === 'approved' || done === 'changes_requested') && Number.isInteger(count)
          ? `${DECIDED[done]} ${count} plot${count === 1 ? '' : 's'}.`
          : undefined;
      const frameBase = frameBaseOf(ctx);
      sendPage(res, {
        title: `Review ${comparison.head_sha.slice(0, 7)}`,
        publicUrl: ctx.publicUrl(),
        // Interactive and PDF plots are drawn live, framed from the frame origin (only then).
        ...(reviewDrawsLive(comparison) ? { frameSrc: frameOrigin(frameBase) } : {}),
        nav: nav(s),
        body: reviewPage({
          projectId,
          comparison,
          codeDiffs: await codeDiffs(projectId, comparison),
          form: canReview(s.principal, projectId)
            ? { projectId, comparison, csrf: s.session.c }
            : null,
          ...(notice ? { notice } : {}),
          frameBase,
          now: ctx.now(),
        }),
      });
    }),
  );

  router.post(
    '/projects/:id/review',
    form,
    page(ctx, async (req, res, s) => {
      const projectId = readableProject(s, req.params.id as string);
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!sameOrigin(req, ctx.publicUrl()) || !csrfMatches(s.session, body.csrf)) {
        throw forbidden(
          'The review was refused: the form did not carry this session’s CSRF token. Use the buttons on the review page.',
        );
      }
      requireRole(s.principal, projectId, 'publisher');
      const target = pickTarget(body);
      delete target.collection;
      const title = typeof body.title === 'string' ? body.title : '';
      const collection = typeof body.collection === 'string' ? body.collection : null;
      const r = ReviewRequestSchema.safeParse({
        ...target,
        decision: body.decision,
        ...(body.all === '1' ? {} : { items: [{ collection, title }] }),
      });
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw badRequest(
          `The review form is not valid (${issue.path.join('.') || 'body'}: ${issue.message}). Use the buttons on the review page.`,
        );
      }
      const before = await service.read(projectId, target as ComparisonQuery);
      const decided = r.data.items
        ? r.data.items.length
        : before.items.filter((i) => i.needs_review).length;
      const after = await service.record(s.principal, projectId, r.data);
      const back = reviewPath(projectId, after);
      const anchor = r.data.items ? `#${itemAnchor(r.data.items[0]!)}` : '';
      res.redirect(
        303,
        `${back}${back.includes('?') ? '&' : '?'}reviewed=${r.data.decision}&n=${decided}${anchor}`,
      );
    }),
  );
}
