/**
 * The diff of one pair of plots, cached by the pair of sha256s (per project): the first
 * comparison that meets a pair runs the pixel differ and stores its numbers and difference
 * image (a PNG in Storage, so S3 works too); every later one reads the row.
 */
import { Readable } from 'node:stream';
import { RASTER_TYPES } from '../compare/pixel-diff.js';
import type { ArtifactRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import type { PlotDiffsTable } from '../data/tables.js';
import type { ComparisonDeps } from './deps.js';

type Plot = Pick<ArtifactRecord, 'storage_key' | 'content_type' | 'sha256' | 'size'>;

/** Storage key of a difference image. */
export const diffKey = (projectId: string, base: string, head: string) =>
  `diffs/${projectId}/${base}-${head}.png`;

/** A difference image is small next to the plots, but never unbounded. */
const MAX_DIFF_BYTES = 512 * 1024 * 1024;

async function readAll(deps: Pick<ComparisonDeps, 'storage'>, key: string): Promise<Buffer | null> {
  const object = await deps.storage.get(key);
  if (!object) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of object.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The cached or freshly computed diff of two different plots (sha256s differ). */
export async function plotDiff(
  deps: Pick<ComparisonDeps, 'storage' | 'diff' | 'now'>,
  q: Pick<StoreQueries, 'getPlotDiff' | 'putPlotDiff'>,
  projectId: string,
  base: Plot,
  head: Plot,
): Promise<PlotDiffsTable> {
  const cached = await q.getPlotDiff(projectId, base.sha256, head.sha256);
  if (cached) return cached;
  const row: PlotDiffsTable = {
    project_id: projectId,
    base_sha256: base.sha256,
    head_sha256: head.sha256,
    method: 'hash',
    compared: 0,
    reason: 'not_raster',
    width: null,
    height: null,
    changed_pixels: null,
    storage_key: null,
    created_at: deps.now().toISOString(),
  };
  if (!RASTER_TYPES.has(base.content_type) || !RASTER_TYPES.has(head.content_type)) {
    await q.putPlotDiff(row);
    return row;
  }
  const [a, b] = await Promise.all([
    readAll(deps, base.storage_key),
    readAll(deps, head.storage_key),
  ]);
  // A plot missing from storage is an error of this moment, not of the pair: not cached.
  if (!a || !b) return { ...row, method: 'pixels', reason: 'decode_failed' };
  const r = await deps.diff(
    { bytes: a, contentType: base.content_type },
    { bytes: b, contentType: head.content_type },
  );
  if (!r.compared) {
    const out = {
      ...row,
      method: 'pixels' as const,
      reason: r.reason,
      width: r.width,
      height: r.height,
    };
    // A timeout says how busy the server was, not what the pair is: try again next time.
    if (r.reason !== 'timeout') await q.putPlotDiff(out);
    return out;
  }
  const key = diffKey(projectId, base.sha256, head.sha256);
  await deps.storage.put(key, Readable.from([r.png]), { maxBytes: MAX_DIFF_BYTES });
  const out: PlotDiffsTable = {
    ...row,
    method: 'pixels',
    compared: 1,
    reason: null,
    width: r.width,
    height: r.height,
    changed_pixels: r.changed_pixels,
    storage_key: key,
  };
  await q.putPlotDiff(out);
  return out;
}
