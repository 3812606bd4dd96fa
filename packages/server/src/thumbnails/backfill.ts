/**
 * `thumbnails backfill`: makes the thumbnails that are missing for ready snapshots (those
 * published before thumbnails existed, or never viewed in the grid), every plot type: images
 * resized, Vega/Vega-Lite specs and PDFs drawn, the rest typed placeholders. One per stored plot
 * object: snapshots sharing bytes share the thumbnail and are counted once.
 */
import type { Store } from '../data/store.js';
import { createThumbnailer, type ThumbnailDeps, type ThumbnailOptions } from './thumbnailer.js';

export interface BackfillResult {
  /** Distinct plot objects looked at. */
  checked: number;
  /** Thumbnails made now (placeholders for undecodable plots included). */
  made: number;
  /** Of those, typed placeholders (the plot could not be decoded or is not an image). */
  placeholders: number;
  /** Already stored before this run. */
  existing: number;
  /** Plot objects missing from storage (nothing to make a thumbnail from). */
  missing: number;
  /**
   * Specs and PDFs not drawn now because the drawing threads could not run (not stored: a
   * later run or view tries again).
   */
  deferred: number;
}

const PAGE = 200;

export async function backfillThumbnails(
  deps: ThumbnailDeps & { store: Pick<Store, 'listProjects' | 'getProject' | 'listSnapshots'> },
  o: {
    projectId?: string;
    /**
     * Draw Vega, Vega-Lite, JSON and PDF plots again even when a thumbnail is stored: before
     * they were drawn, their stored thumbnails are placeholders.
     */
    redraw?: boolean;
    onProgress?: (done: BackfillResult, projectId: string) => void;
  },
  options?: ThumbnailOptions,
): Promise<BackfillResult> {
  const thumbnails = createThumbnailer(deps, options);
  const r: BackfillResult = {
    checked: 0,
    made: 0,
    placeholders: 0,
    existing: 0,
    missing: 0,
    deferred: 0,
  };
  const projects = o.projectId ? [o.projectId] : (await deps.store.listProjects()).map((p) => p.id);
  try {
    for (const projectId of projects) {
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        const { page, more } = await deps.store.listSnapshots(
          projectId,
          { status: 'ready' },
          PAGE,
          cursor,
        );
        for (const snap of page) {
          const file = snap.files.find((f) => f.kind === 'plot');
          if (!file || seen.has(file.storage_key)) continue;
          seen.add(file.storage_key);
          r.checked++;
          const redraw = !!o.redraw && thumbnails.isDrawn(file);
          if (!redraw && (await thumbnails.exists(file))) {
            r.existing++;
            continue;
          }
          const before = thumbnails.stats().placeholders;
          const t = await thumbnails.get(file, { redraw });
          if (!t) r.missing++;
          else if (t.temporary) r.deferred++;
          else if (t.made) {
            r.made++;
            if (thumbnails.stats().placeholders > before) r.placeholders++;
          } else r.existing++;
        }
        o.onProgress?.({ ...r }, projectId);
        cursor = more ? page[page.length - 1]?.id : undefined;
      } while (cursor);
    }
  } finally {
    // The Vega/PDF drawing threads of this run.
    await thumbnails.close();
  }
  return r;
}
