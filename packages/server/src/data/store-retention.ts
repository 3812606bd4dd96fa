/** Quotas, retention policies and the pending-expiry queries (part of the Store). */
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import { advisoryXactLock } from './store-access.js';
import type { Database, RetentionPoliciesTable } from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** A project's limits (null = off), its default branch and what it uses now. */
export interface ProjectUsage {
  project_id: string;
  default_branch: string;
  max_bytes: number | null;
  max_snapshots: number | null;
  /** Snapshots, pending ones included. */
  snapshots: number;
  /** Bytes of every stored artifact (of pending snapshots too). */
  bytes: number;
}

/** What a retention run needs of a ready snapshot. */
export interface RetentionCandidate {
  id: string;
  project_id: string;
  collection: string | null;
  title: string;
  branch: string | null;
  pr_number: number | null;
  created_at: string;
}

// PostgreSQL returns bigint and count() as strings.
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function retentionQueries(db: Executor, dialect: Dialect) {
  return {
    /**
     * Limits and use of a project; undefined when it does not exist. With `lock` on
     * PostgreSQL it first serialises quota checks of the project until the transaction ends,
     * so two replicas cannot both admit the last byte (SQLite serialises writers anyway).
     */
    async projectUsage(projectId: string, lock = false): Promise<ProjectUsage | undefined> {
      if (lock && dialect === 'postgres') await advisoryXactLock(db, `quota:${projectId}`);
      const p = await db
        .selectFrom('projects')
        .select(['id', 'default_branch', 'max_bytes', 'max_snapshots'])
        .where('id', '=', projectId)
        .executeTakeFirst();
      if (!p) return undefined;
      const count = await db
        .selectFrom('snapshots')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('project_id', '=', projectId)
        .executeTakeFirstOrThrow();
      const bytes = await db
        .selectFrom('artifacts as a')
        .innerJoin('snapshots as s', 's.id', 'a.snapshot_id')
        .select((eb) => eb.fn.sum('a.size').as('n'))
        .where('s.project_id', '=', projectId)
        .executeTakeFirstOrThrow();
      return {
        project_id: p.id,
        default_branch: p.default_branch ?? 'main',
        max_bytes: num(p.max_bytes),
        max_snapshots: num(p.max_snapshots),
        snapshots: num(count.n) ?? 0,
        bytes: num(bytes.n) ?? 0,
      };
    },
    /** The quota limits alone (cheap: no counting), for the common case of none set. */
    async projectLimits(projectId: string) {
      const p = await db
        .selectFrom('projects')
        .select(['max_bytes', 'max_snapshots'])
        .where('id', '=', projectId)
        .executeTakeFirst();
      return p && { max_bytes: num(p.max_bytes), max_snapshots: num(p.max_snapshots) };
    },
    /** Sets the given limits (undefined = unchanged, null = off); false when no such project. */
    async setQuota(
      projectId: string,
      q: { max_bytes?: number | null; max_snapshots?: number | null },
    ): Promise<boolean> {
      const exists = await db
        .selectFrom('projects')
        .select('id')
        .where('id', '=', projectId)
        .executeTakeFirst();
      if (!exists) return false;
      const set = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
      if (Object.keys(set).length) {
        await db.updateTable('projects').set(set).where('id', '=', projectId).execute();
      }
      return true;
    },
    /** false when no such project. */
    async setDefaultBranch(projectId: string, branch: string): Promise<boolean> {
      const r = await db
        .updateTable('projects')
        .set({ default_branch: branch })
        .where('id', '=', projectId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async putRetentionPolicy(row: RetentionPoliciesTable): Promise<void> {
      const { keep_per_title, pr_days } = row;
      await db
        .insertInto('retention_policies')
        .values(row)
        .onConflict((c) =>
          c.columns(['project_id', 'collection']).doUpdateSet({ keep_per_title, pr_days }),
        )
        .execute();
    },
    async getRetentionPolicy(projectId: string, collection: string) {
      return db
        .selectFrom('retention_policies')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('collection', '=', collection)
        .executeTakeFirst();
    },
    /** Policies with their project's default branch, by project then collection. */
    async listRetentionPolicies(projectId?: string) {
      let q = db
        .selectFrom('retention_policies as r')
        .innerJoin('projects as p', 'p.id', 'r.project_id')
        .selectAll('r')
        .select('p.default_branch');
      if (projectId) q = q.where('r.project_id', '=', projectId);
      return q.orderBy('r.project_id').orderBy('r.collection').execute();
    },
    async removeRetentionPolicy(projectId: string, collection: string): Promise<boolean> {
      const r = await db
        .deleteFrom('retention_policies')
        .where('project_id', '=', projectId)
        .where('collection', '=', collection)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** Ready snapshots of a project, oldest first (ids sort by creation time). */
    async retentionCandidates(projectId: string): Promise<RetentionCandidate[]> {
      const rows = await db
        .selectFrom('snapshots as s')
        .leftJoin('collections as c', 'c.id', 's.collection_id')
        .select(['s.id', 's.project_id', 's.title', 's.branch', 's.pr_number', 's.created_at'])
        .select('c.name as collection')
        .where('s.project_id', '=', projectId)
        .where('s.status', '=', 'ready')
        .orderBy('s.id')
        .execute();
      return rows.map((r) => ({ ...r, pr_number: num(r.pr_number) }));
    },
    /**
     * Serialises deletions of one snapshot until the transaction ends (PostgreSQL: replicas
     * sweeping together; SQLite serialises writers), so only one of them logs its event.
     */
    async lockSnapshot(id: string): Promise<void> {
      if (dialect === 'postgres') await advisoryXactLock(db, `snapshot:${id}`);
    },
    /** Ids of snapshots still pending that were published before `cutoff`, oldest first. */
    async expiredPending(cutoff: string, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('snapshots')
        .select('id')
        .where('status', '=', 'pending')
        .where('created_at', '<', cutoff)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
  };
}
