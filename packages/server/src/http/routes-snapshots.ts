/** Finalize, read, list, delete snapshots and list collections. */
import {
  CollectionSchema,
  DeleteSnapshotResponseSchema,
  FinalizeRequestSchema,
  FinalizeResponseSchema,
  ListSnapshotsQuerySchema,
  SnapshotSchema,
} from '@snapshotplot/api-client/contract';
import type { Router } from 'express';
import { canRead, requireRole } from '../auth/principal.js';
import { conflict, notFound } from '../errors.js';
import { deleteSnapshot } from '../snapshots/delete-snapshot.js';
import { principalOf } from './auth-helpers.js';
import type { AppContext } from './context.js';
import { collectPresigned } from './presigned-finalize.js';
import { markReadyWithEvent } from './publish-service.js';
import { jsonBody } from './routes-publish.js';
import { missingKinds, toSnapshot } from './snapshot-view.js';
import { parseId, parseWith } from './validate.js';

export function snapshotRoutes(ctx: AppContext, router: Router): void {
  router.post('/api/snapshots/finalize', jsonBody(), async (req, res) => {
    const principal = await principalOf(ctx, req, res);
    const body = parseWith(FinalizeRequestSchema, req.body);
    requireRole(principal, body.project_id, 'publisher');
    let snap = await ctx.store.getSnapshot(body.snapshot_id);
    if (!snap || snap.project_id !== body.project_id) {
      throw notFound(
        `Snapshot ${body.snapshot_id} does not exist in project ${body.project_id}: check the ids.`,
      );
    }
    if (snap.status === 'pending' && ctx.presigned) {
      snap = await collectPresigned(ctx, snap);
    }
    if (snap.status === 'pending') {
      const missing = missingKinds(snap);
      if (missing.length) {
        throw conflict(
          'missing_artifacts',
          `Snapshot ${snap.id} is missing ${missing.join(' and ')}: upload ${missing.length > 1 ? 'them' : 'it'} to the URL from publish, then finalize.`,
          { missing },
        );
      }
      const changed = await ctx.store.transaction((tx) =>
        markReadyWithEvent(tx, ctx, snap.id, snap.artifacts),
      );
      if (changed) ctx.events.notify(snap.project_id);
    }
    const ready = (await ctx.store.getSnapshot(snap.id))!;
    res.json(FinalizeResponseSchema.parse({ status: 'ok', snapshot: toSnapshot(ctx, ready) }));
  });

  router.get('/api/snapshots/:id', async (req, res) => {
    const principal = await principalOf(ctx, req, res);
    const id = parseId(req.params.id);
    const snap = await ctx.store.getSnapshot(id);
    // Another project's snapshot is a 404 so ids of other tenants do not leak.
    if (!snap || !canRead(principal, snap.project_id)) throw notFound(`Snapshot ${id} not found.`);
    res.json(SnapshotSchema.parse(toSnapshot(ctx, snap)));
  });

  router.delete('/api/snapshots/:id', async (req, res) => {
    const principal = await principalOf(ctx, req, res);
    const id = parseId(req.params.id);
    const snap = await ctx.store.getSnapshot(id);
    if (!snap || !canRead(principal, snap.project_id)) throw notFound(`Snapshot ${id} not found.`);
    requireRole(principal, snap.project_id, 'admin');
    await deleteSnapshot(ctx, snap);
    res.json(DeleteSnapshotResponseSchema.parse({ status: 'ok', id }));
  });

  router.get('/api/projects/:id/snapshots', async (req, res) => {
    const principal = await principalOf(ctx, req, res);
    const projectId = parseId(req.params.id, 'project id');
    requireRole(principal, projectId, 'reader');
    const { limit, cursor, ...filters } = parseWith(
      ListSnapshotsQuerySchema,
      { ...req.query },
      'query',
    );
    const { page, more } = await ctx.store.listSnapshots(projectId, filters, limit, cursor);
    res.json({
      data: page.map((s) => toSnapshot(ctx, s)),
      next_cursor: more ? page[page.length - 1]!.id : null,
    });
  });

  router.get('/api/projects/:id/collections', async (req, res) => {
    const principal = await principalOf(ctx, req, res);
    const projectId = parseId(req.params.id, 'project id');
    requireRole(principal, projectId, 'reader');
    const rows = await ctx.store.listCollections(projectId);
    res.json({
      data: rows.map((r) =>
        CollectionSchema.parse({ ...r, snapshot_count: Number(r.snapshot_count) }),
      ),
    });
  });
}
