/**
 * Plot review queries (0008, part of the Store): the head set and baselines of a comparison,
 * head sets declared complete, review decisions, the pixel diff cache and the project's review
 * settings (on-change, tolerance).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import type { SnapshotRecord } from './records.js';
import type { SnapshotRow } from './snapshot-rows.js';
import { withFiles } from './store-snapshots.js';
import type {
  Database,
  DiffTolerancesTable,
  HeadSetsTable,
  PlotDiffsTable,
  ReviewsTable,
} from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** What a comparison needs to know about its project. */
export interface ReviewSettings {
  default_branch: string;
  on_change: 'pending' | 'failure';
  /** The project's tolerance, and the collections' own ones (by name). */
  tolerance: number;
  collection_tolerances: Map<string, number>;
}

/**
 * Only the newest ready snapshot per (collection, title) counts: a re-publish with
 * `supersedes` (or a plain re-publish at the same commit) replaces the older one.
 */
function newestPerKey(rows: SnapshotRow[]): SnapshotRow[] {
  const superseded = new Set(rows.map((r) => r.supersedes).filter((s): s is string => !!s));
  const byKey = new Map<string, SnapshotRow>();
  for (const r of rows) {
    if (superseded.has(r.id)) continue;
    const key = `${r.collection_id ?? ''}\u0000${r.title}`;
    const seen = byKey.get(key);
    if (
      !seen ||
      r.created_at > seen.created_at ||
      (r.created_at === seen.created_at && r.id > seen.id)
    )
      byKey.set(key, r);
  }
  return [...byKey.values()];
}

/**
 * The branch-fallback baseline: the newest ready snapshot with a key on a branch, created
 * before the head, at another commit (exported so a test can EXPLAIN the real query).
 */
export function branchBaselineQuery(
  db: Executor,
  k: {
    projectId: string;
    branch: string;
    collectionId: string | null;
    title: string;
    before: string;
    notCommit: string;
  },
) {
  return (
    db
      .selectFrom('snapshots as s')
      .leftJoin('collections as c', 'c.id', 's.collection_id')
      .selectAll('s')
      .select('c.name as collection')
      .where('s.project_id', '=', k.projectId)
      .where('s.branch', '=', k.branch)
      .where('s.collection_id', k.collectionId === null ? 'is' : '=', k.collectionId)
      .where('s.title', '=', k.title)
      .where('s.created_at', '<', k.before)
      .where('s.status', '=', 'ready')
      // Not the head commit itself (a push to the base branch compares with the commit before).
      .where((eb) => eb.or([eb('s.commit_sha', 'is', null), eb('s.commit_sha', '!=', k.notCommit)]))
      .orderBy('s.created_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(1)
  );
}

export function comparisonQueries(db: Executor, dialect: Dialect) {
  const ready = () =>
    db
      .selectFrom('snapshots as s')
      .leftJoin('collections as c', 'c.id', 's.collection_id')
      .selectAll('s')
      .select('c.name as collection')
      .where('s.status', '=', 'ready');

  return {
    /**
     * The stored commit shas with a ready snapshot that `commit` names: equal, or (7+ hex
     * characters) a prefix. More than one means the abbreviation is ambiguous.
     */
    async resolveCommit(projectId: string, commit: string): Promise<string[]> {
      const exact = await db
        .selectFrom('snapshots')
        .select('commit_sha')
        .where('project_id', '=', projectId)
        .where('commit_sha', '=', commit)
        .where('status', '=', 'ready')
        .limit(1)
        .execute();
      if (exact.length > 0 || commit.length < 7) return exact.map((r) => r.commit_sha!);
      const rows = await db
        .selectFrom('snapshots')
        .select('commit_sha')
        .distinct()
        .where('project_id', '=', projectId)
        .where('commit_sha', '>=', commit)
        // Every sha with this prefix sorts between the prefix and the prefix followed by '~'
        // (shas are lower-case hex; the column compares byte-wise on both dialects).
        .where('commit_sha', '<', `${commit}~`)
        .where('status', '=', 'ready')
        .limit(2)
        .execute();
      return rows.map((r) => r.commit_sha!);
    },
    /** The newest ready snapshot per (collection, title) at one commit. */
    async readyAtCommit(projectId: string, commitSha: string): Promise<SnapshotRecord[]> {
      const rows = await ready()
        .where('s.project_id', '=', projectId)
        .where('s.commit_sha', '=', commitSha)
        .execute();
      return withFiles(db, dialect, newestPerKey(rows));
    },
    /** The newest ready snapshot with this key on a branch created before `before`. */
    async newestOnBranch(
      projectId: string,
      branch: string,
      collectionId: string | null,
      title: string,
      before: string,
      notCommit: string,
    ): Promise<SnapshotRecord | undefined> {
      const rows = await branchBaselineQuery(db, {
        projectId,
        branch,
        collectionId,
        title,
        before,
        notCommit,
      }).execute();
      return (await withFiles(db, dialect, rows))[0];
    },
    /** The commit of the newest ready snapshot on a branch created before `before`. */
    async latestBranchCommit(
      projectId: string,
      branch: string,
      before: string,
      notCommit: string,
    ): Promise<string | undefined> {
      const row = await db
        .selectFrom('snapshots')
        .select('commit_sha')
        .where('project_id', '=', projectId)
        .where('branch', '=', branch)
        .where('status', '=', 'ready')
        .where('commit_sha', 'is not', null)
        .where('commit_sha', '!=', notCommit)
        .where('created_at', '<', before)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.commit_sha ?? undefined;
    },
    async reviewSettings(projectId: string): Promise<ReviewSettings | undefined> {
      const p = await db
        .selectFrom('projects')
        .select(['default_branch', 'on_change', 'diff_tolerance'])
        .where('id', '=', projectId)
        .executeTakeFirst();
      if (!p) return undefined;
      const own = await db
        .selectFrom('diff_tolerances')
        .select(['collection', 'tolerance'])
        .where('project_id', '=', projectId)
        .execute();
      return {
        default_branch: p.default_branch ?? 'main',
        on_change: p.on_change === 'failure' ? 'failure' : 'pending',
        tolerance: Number(p.diff_tolerance ?? 0),
        collection_tolerances: new Map(own.map((r) => [r.collection, Number(r.tolerance)])),
      };
    },
    /** False when there is no such project. */
    async setOnChange(projectId: string, onChange: 'pending' | 'failure'): Promise<boolean> {
      const r = await db
        .updateTable('projects')
        .set({ on_change: onChange })
        .where('id', '=', projectId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** False when there is no such project. */
    async setProjectTolerance(projectId: string, tolerance: number): Promise<boolean> {
      const r = await db
        .updateTable('projects')
        .set({ diff_tolerance: tolerance })
        .where('id', '=', projectId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Sets (or, with null, removes) a collection's own tolerance. */
    async setCollectionTolerance(
      row: Omit<DiffTolerancesTable, 'tolerance'> & { tolerance: number | null },
    ): Promise<void> {
      if (row.tolerance === null) {
        await db
          .deleteFrom('diff_tolerances')
          .where('project_id', '=', row.project_id)
          .where('collection', '=', row.collection)
          .execute();
        return;
      }
      await db
        .insertInto('diff_tolerances')
        .values({ ...row, tolerance: row.tolerance })
        .onConflict((oc) =>
          oc.columns(['project_id', 'collection']).doUpdateSet({ tolerance: row.tolerance! }),
        )
        .execute();
    },
    /** Records (or re-records) a head set as complete; concurrent calls both succeed. */
    async putHeadSet(row: HeadSetsTable): Promise<void> {
      const { project_id: _p, commit_sha: _c, ...rest } = row;
      await db
        .insertInto('head_sets')
        .values(row)
        .onConflict((oc) => oc.columns(['project_id', 'commit_sha']).doUpdateSet(rest))
        .execute();
    },
    async getHeadSet(projectId: string, commitSha: string): Promise<HeadSetsTable | undefined> {
      return db
        .selectFrom('head_sets')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('commit_sha', '=', commitSha)
        .executeTakeFirst();
    },
    async insertReviews(rows: ReviewsTable[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('reviews').values(rows).execute();
    },
    /** Every decision on a head commit, oldest first (the caller keeps the latest per pair). */
    async reviewsFor(projectId: string, headSha: string): Promise<ReviewsTable[]> {
      return db
        .selectFrom('reviews')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('head_sha', '=', headSha)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
    async getPlotDiff(
      projectId: string,
      baseSha256: string,
      headSha256: string,
    ): Promise<PlotDiffsTable | undefined> {
      return db
        .selectFrom('plot_diffs')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('base_sha256', '=', baseSha256)
        .where('head_sha256', '=', headSha256)
        .executeTakeFirst();
    },
    /** Stores a diff result; a concurrent identical computation is a no-op. */
    async putPlotDiff(row: PlotDiffsTable): Promise<void> {
      await db
        .insertInto('plot_diffs')
        .values(row)
        .onConflict((oc) => oc.columns(['project_id', 'base_sha256', 'head_sha256']).doNothing())
        .execute();
    },
  };
}
