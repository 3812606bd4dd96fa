/** Finalize, read, list, delete snapshots and list collections: parse, authorise, service, view. */
import {
  contract,
  DeleteSnapshotResponseSchema,
  FinalizeResponseSchema,
  SnapshotSchema,
} from '@snapshotplot/api-client/contract';
import type { Router } from 'express';
import { canRead, requireRole } from '../auth/principal.js';
import { notFound } from '../errors.js';
import { finalize } from '../snapshots/finalize.js';
import { listCollections, listSnapshots, readSnapshot } from '../snapshots/read.js';
import { removeSnapshot } from '../snapshots/remove.js';
import { toSnapshot } from '../snapshots/view.js';
import { type AppContext, snapshotDeps } from './context.js';
import { mountFor } from './mount.js';

/** A project's id is named so in its 400 message. */
const PROJECT = { names: { id: 'project id' } };

export function snapshotRoutes(ctx: AppContext, router: Router): void {
  const mount = mountFor(ctx);
  const deps = snapshotDeps(ctx);

  mount(router, contract.finalize, async ({ principal, body, res }) => {
    requireRole(principal, body.project_id, 'publisher');
    const ready = await finalize(deps, body.project_id, body.snapshot_id);
    res.json(FinalizeResponseSchema.parse({ status: 'ok', snapshot: toSnapshot(deps, ready) }));
  });

  /** The snapshot when the caller may read it; another project's is a 404 so ids do not leak. */
  const readable = async (principal: Parameters<typeof canRead>[0], id: string) => {
    const snap = await readSnapshot(deps, id);
    if (!snap || !canRead(principal, snap.project_id)) throw notFound(`Snapshot ${id} not found.`);
    return snap;
  };

  mount(router, contract.getSnapshot, async ({ principal, params: { id }, res }) => {
    const snap = await readable(principal, id);
    res.json(SnapshotSchema.parse(toSnapshot(deps, snap)));
  });

  mount(router, contract.deleteSnapshot, async ({ principal, params: { id }, res }) => {
    const snap = await readable(principal, id);
    requireRole(principal, snap.project_id, 'admin');
    await removeSnapshot(deps, snap);
    res.json(DeleteSnapshotResponseSchema.parse({ status: 'ok', id }));
  });

  mount(
    router,
    contract.listSnapshots,
    async ({ principal, params: { id: projectId }, query, res }) => {
      requireRole(principal, projectId, 'reader');
      const { limit, cursor, ...filters } = query;
      const { page, nextCursor } = await listSnapshots(deps, projectId, filters, limit, cursor);
      res.json({ data: page.map((s) => toSnapshot(deps, s)), next_cursor: nextCursor });
    },
    PROJECT,
  );

  mount(
    router,
    contract.listCollections,
    async ({ principal, params: { id: projectId }, res }) => {
      requireRole(principal, projectId, 'reader');
      res.json({ data: await listCollections(deps, projectId) });
    },
    PROJECT,
  );
}
