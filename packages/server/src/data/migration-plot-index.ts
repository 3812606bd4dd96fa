/**
 * 0011: the latest-per-plot grid (store-snapshots latestQuery) asks, for each candidate row,
 * "is there a newer version of this plot" and "how many versions": a plot is (project, title,
 * collection or none). A null collection never equals itself, so the probe compares
 * coalesce(collection_id, '') (collection ids are never empty); this expression index answers
 * that probe on both engines with project, plot and id range all as index conditions. The
 * expression comes before title so the plain title filter (list title) keeps snapshots_title_id.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const plotIndex = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await sql`create index snapshots_plot_id on snapshots
      (project_id, coalesce(collection_id, ''), title, id)`.execute(db);
  },
});
