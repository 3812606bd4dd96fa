/** Snapshot, collection and artifact queries (part of the Store). */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import type { ArtifactRecord, NewSnapshot, SnapshotRecord, SnapshotStatus } from './records.js';
import { decodeSnapshot, encodeSnapshot, type SnapshotRow } from './snapshot-rows.js';
import type { Database } from './tables.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type { SnapshotRecord };

export interface SnapshotFilters {
  collection?: string;
  branch?: string;
  commit_sha?: string;
  pr_number?: number;
  tag?: string;
  author?: string;
  title?: string;
  q?: string;
  status?: SnapshotStatus;
  /** Exact collection id, null = no collection (the gallery's history of one title). */
  collection_id?: string | null;
}

const snapshotsWithCollection = (db: Executor) =>
  db
    .selectFrom('snapshots as s')
    .leftJoin('collections as c', 'c.id', 's.collection_id')
    .selectAll('s')
    .select('c.name as collection');

/**
 * The artifact rows of `s` as one JSON array column of the same query (not one query per
 * page or per row): a correlated subquery on the artifacts primary key (snapshot_id, kind).
 * `owner` is the snapshot id column (an UPDATE's RETURNING names the table, not an alias).
 */
const filesColumn = (dialect: Dialect, owner = sql.ref('s.id')) =>
  dialect === 'postgres'
    ? sql<unknown>`(select coalesce(json_agg(json_build_object('snapshot_id', a.snapshot_id,
        'kind', a.kind, 'storage_key', a.storage_key, 'content_type', a.content_type,
        'size', a.size, 'sha256', a.sha256, 'created_at', a.created_at) order by a.kind),
        '[]'::json) from artifacts a where a.snapshot_id = ${owner})`.as('files_json')
    : sql<unknown>`(select json_group_array(json_object('snapshot_id', a.snapshot_id,
        'kind', a.kind, 'storage_key', a.storage_key, 'content_type', a.content_type,
        'size', a.size, 'sha256', a.sha256, 'created_at', a.created_at))
        from artifacts a where a.snapshot_id = ${owner})`.as('files_json');

/** Snapshot rows with their collection's name and their files, in one statement. */
const snapshotsWithFiles = (db: Executor, dialect: Dialect) =>
  snapshotsWithCollection(db).select(filesColumn(dialect));

/** The files column back into artifact records (PostgreSQL's json renders times as +00:00). */
function decodeFiles(dialect: Dialect, stored: unknown): ArtifactRecord[] {
  const list = (typeof stored === 'string' ? JSON.parse(stored) : (stored ?? [])) as Array<
    ArtifactRecord & { size: number | string }
  >;
  // In place: the parsed objects are this call's own (SQLite's text, pg's fresh parse).
  for (const f of list) {
    f.size = Number(f.size);
    if (dialect === 'postgres') f.created_at = new Date(f.created_at).toISOString();
  }
  return list as ArtifactRecord[];
}

const decodeWithFiles = (dialect: Dialect, row: SnapshotRow & { files_json: unknown }) =>
  decodeSnapshot(dialect, row, decodeFiles(dialect, row.files_json));

/** The filters of a list page (exported so a test can EXPLAIN the real query). */
export function listQuery(
  db: Executor,
  dialect: Dialect,
  projectId: string,
  f: SnapshotFilters,
  limit: number,
  cursor?: string,
) {
  let q = snapshotsWithFiles(db, dialect).where('s.project_id', '=', projectId);
  if (f.collection !== undefined) {
    // By id through the collection's unique (project_id, name): the snapshots side then
    // probes snapshots_collection_id instead of joining every row of the project.
    const name = f.collection;
    q = q.where('s.collection_id', '=', (eb) =>
      eb
        .selectFrom('collections as fc')
        .select('fc.id')
        .where('fc.project_id', '=', projectId)
        .where('fc.name', '=', name),
    );
  }
  if (f.collection_id !== undefined) {
    q = q.where('s.collection_id', f.collection_id === null ? 'is' : '=', f.collection_id);
  }
  if (f.branch !== undefined) q = q.where('s.branch', '=', f.branch);
  if (f.commit_sha !== undefined) {
    // A prefix as a range (stored commits are lowercase hex, as is the filter): an index range
    // on both engines, where SQLite's case-insensitive LIKE cannot use the index.
    q = q.where('s.commit_sha', '>=', f.commit_sha).where('s.commit_sha', '<', `${f.commit_sha}g`);
  }
  if (f.pr_number !== undefined) q = q.where('s.pr_number', '=', f.pr_number);
  if (f.author !== undefined) q = q.where('s.author', '=', f.author);
  if (f.title !== undefined) q = q.where('s.title', '=', f.title);
  if (f.status !== undefined) q = q.where('s.status', '=', f.status);
  if (f.q !== undefined) {
    const like = `%${f.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    q = q.where(
      // Three characters make a trigram: shorter q (which matches often) walks the project
      // newest first. On PostgreSQL longer q reads snapshot_text's pg_trgm indexes (0015: under
      // row-level security no index can answer LIKE on snapshots itself).
      dialect === 'postgres' && [...f.q].length >= 3
        ? sql<boolean>`s.id in (select x.snapshot_id from snapshot_text x where x.project_id = ${projectId}
            and (x.title like lower(${like}) escape '\\' or x.description like lower(${like}) escape '\\'))`
        : // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
          sql<boolean>`(lower(s.title) like lower(${like}) escape '\\' or lower(s.description) like lower(${like}) escape '\\')`,
    );
  }
  if (f.tag !== undefined) {
    const tag = f.tag;
    q = q.where('s.id', 'in', (eb) =>
      eb.selectFrom('snapshot_tags as t').select('t.snapshot_id').where('t.tag', '=', tag),
    );
  }
  if (cursor !== undefined) q = q.where('s.id', '<', cursor);
  return q.orderBy('s.id', 'desc').limit(limit + 1);
}

/**
 * The list filters as one condition on the snapshots row aliased `a` (the other versions of a
 * plot in latestQuery); the same predicates as listQuery's, so "which snapshots count" is the
 * same set in both views.
 */
function filterCondition(a: string, projectId: string, f: SnapshotFilters) {
  const col = (c: string) => sql.ref(`${a}.${c}`);
  const parts = [sql<boolean>`${col('project_id')} = ${projectId}`];
  if (f.collection !== undefined) {
    parts.push(
      sql<boolean>`${col('collection_id')} = (select fc.id from collections fc where fc.project_id = ${projectId} and fc.name = ${f.collection})`,
    );
  }
  if (f.collection_id !== undefined) {
    parts.push(
      f.collection_id === null
        ? sql<boolean>`${col('collection_id')} is null`
        : sql<boolean>`${col('collection_id')} = ${f.collection_id}`,
    );
  }
  if (f.branch !== undefined) parts.push(sql<boolean>`${col('branch')} = ${f.branch}`);
  if (f.commit_sha !== undefined) {
    parts.push(
      sql<boolean>`${col('commit_sha')} >= ${f.commit_sha} and ${col('commit_sha')} < ${`${f.commit_sha}g`}`,
    );
  }
  if (f.pr_number !== undefined) parts.push(sql<boolean>`${col('pr_number')} = ${f.pr_number}`);
  if (f.author !== undefined) parts.push(sql<boolean>`${col('author')} = ${f.author}`);
  if (f.title !== undefined) parts.push(sql<boolean>`${col('title')} = ${f.title}`);
  if (f.status !== undefined) parts.push(sql<boolean>`${col('status')} = ${f.status}`);
  if (f.q !== undefined) {
    const like = `%${f.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    parts.push(
      sql<boolean>`(lower(${col('title')}) like lower(${like}) escape '\\' or lower(${col('description')}) like lower(${like}) escape '\\')`,
    );
  }
  if (f.tag !== undefined) {
    parts.push(
      // A probe of snapshot_tags' primary key per row walked (the row is already in hand).
      sql<boolean>`exists (select 1 from snapshot_tags t where t.snapshot_id = ${col('id')} and t.tag = ${f.tag})`,
    );
  }
  return sql.join(parts, sql` and `);
}

/**
 * Row `a` is a version of the same plot as `s`: same project, title and collection (or none);
 * coalesce() so "no collection" equals itself, the expression of snapshots_plot_id (0011).
 */
const samePlot = (a: string) => {
  const col = (c: string) => sql.ref(`${a}.${c}`);
  return sql`${col('project_id')} = s.project_id and ${col('title')} = s.title
    and coalesce(${col('collection_id')}, '') = coalesce(s.collection_id, '')`;
};

/**
 * The plot_heads facet (0012) that answers a latest-per-plot page with these filters: ready
 * snapshots, filtered by at most one branch or one tag besides the plot's own collection and
 * title. Undefined when another filter is set (q, author, PR, commit, status, both branch and
 * tag): latestScanQuery answers those.
 */
function headsFacet(f: SnapshotFilters): { facet: string; value: string } | undefined {
  const { collection, collection_id, title, status, branch, tag, ...rest } = f;
  if (status !== 'ready' || Object.values(rest).some((v) => v !== undefined)) return undefined;
  if (branch !== undefined && tag !== undefined) return undefined;
  if (branch !== undefined) return { facet: 'branch', value: branch };
  if (tag !== undefined) return { facet: 'tag', value: tag };
  return { facet: '', value: '' };
}

/**
 * "Latest per plot" (the gallery's default grid): of the snapshots the filters pick, the
 * newest of each plot (collection, title), with how many versions of it they pick
 * (`version_count`), newest first, keyset-paged by id like listQuery; one statement per page.
 * Ready snapshots unfiltered or filtered by collection, title, one branch or one tag read
 * plot_heads (0012, kept by triggers): one range of plot_heads_head, a row per card, whatever
 * the number of versions. Other filters walk the versions (latestScanQuery). Exported so a
 * test can EXPLAIN the real query.
 */
export function latestQuery(
  db: Executor,
  dialect: Dialect,
  projectId: string,
  f: SnapshotFilters,
  limit: number,
  cursor?: string,
) {
  const facet = headsFacet(f);
  if (!facet) return latestScanQuery(db, dialect, projectId, f, limit, cursor);
  let q = db
    .selectFrom('plot_heads as h')
    .innerJoin('snapshots as s', 's.id', 'h.head_id')
    .leftJoin('collections as c', 'c.id', 's.collection_id')
    .selectAll('s')
    .select('c.name as collection')
    .select(filesColumn(dialect))
    .select('h.versions as version_count')
    .where('h.project_id', '=', projectId)
    .where('h.facet', '=', facet.facet)
    .where('h.value', '=', facet.value);
  if (f.collection !== undefined) {
    const name = f.collection;
    q = q.where('h.plot', '=', (eb) =>
      eb
        .selectFrom('collections as fc')
        .select('fc.id')
        .where('fc.project_id', '=', projectId)
        .where('fc.name', '=', name),
    );
  }
  if (f.collection_id !== undefined) q = q.where('h.plot', '=', f.collection_id ?? '');
  if (f.title !== undefined) q = q.where('h.title', '=', f.title);
  if (cursor !== undefined) q = q.where('h.head_id', '<', cursor);
  return q.orderBy('h.head_id', 'desc').limit(limit + 1);
}

/**
 * Latest per plot for any status, by walking the rows the filters pick newest first: listQuery
 * plus a NOT EXISTS "no newer picked version of this plot" and a count, both correlated probes
 * of snapshots_plot_id (0011) per candidate row; cost grows with the versions walked.
 */
export function latestScanQuery(
  db: Executor,
  dialect: Dialect,
  projectId: string,
  f: SnapshotFilters,
  limit: number,
  cursor?: string,
) {
  let count = sql<number>`(select count(*) from snapshots v where ${samePlot('v')} and ${filterCondition('v', projectId, f)})`;
  const { q: text, ...others } = f;
  const facet = text === undefined ? undefined : headsFacet(others);
  if (text !== undefined && facet) {
    // A card whose title matches q: every version of its plot matches q, so its count is the
    // plot_heads count of the other filters (no walk over a plot of 10k versions).
    const like = `%${text.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    count = sql<number>`case when lower(s.title) like lower(${like}) escape '\\'
      then (select h.versions from plot_heads h where h.project_id = s.project_id
        and h.facet = ${facet.facet} and h.value = ${facet.value}
        and h.plot = coalesce(s.collection_id, '') and h.title = s.title)
      else ${count} end`;
  }
  // On PostgreSQL `offset 0` keeps NOT EXISTS a per-row index probe: pulled up into an
  // anti join, the planner (underestimating a project's rows under row-level security)
  // would scan snapshots once and materialize it.
  const newest = sql<boolean>`not exists (select 1 from snapshots n where ${samePlot('n')} and n.id > s.id and ${filterCondition('n', projectId, f)}${dialect === 'postgres' ? sql` offset 0` : sql``})`;
  if (dialect === 'postgres' && text !== undefined) {
    // q has no index: PostgreSQL scans and sorts the matching rows, and with the probe in the
    // same WHERE it ran it for every matching row before the sort. Sorted first (a fenced
    // subquery), the probe runs only on the rows walked until the page is full. The inner
    // LIMIT (never reached) lets PostgreSQL build each row's files after the sort, for the
    // rows walked only, instead of for every match.
    const picked = listQuery(db, dialect, projectId, f, 1_000_000_000, cursor).offset(0);
    return db
      .selectFrom(picked.as('s'))
      .selectAll('s')
      .select(count.as('version_count'))
      .where(newest)
      .orderBy('s.id', 'desc')
      .limit(limit + 1);
  }
  return listQuery(db, dialect, projectId, f, limit, cursor)
    .select(count.as('version_count'))
    .where(newest);
}

/** One snapshot by id with its files (exported so a test can EXPLAIN the real query). */
export const snapshotByIdQuery = (db: Executor, dialect: Dialect, id: string) =>
  snapshotsWithFiles(db, dialect).where('s.id', '=', id);

/** The newest snapshot with a natural key (exported so a test can EXPLAIN the real query). */
export function naturalKeyQuery(
  db: Executor,
  projectId: string,
  commitSha: string,
  title: string,
  collectionId: string | null,
) {
  return snapshotsWithCollection(db)
    .where('s.project_id', '=', projectId)
    .where('s.commit_sha', '=', commitSha)
    .where('s.title', '=', title)
    .where('s.collection_id', collectionId === null ? 'is' : '=', collectionId)
    .orderBy('s.id', 'desc')
    .limit(1);
}

/**
 * What a publish reads before it writes, as one statement: the project's quota limits and,
 * when a commit is given, the newest snapshot with the natural key (naturalKeyQuery, joined
 * to the project row so its plan stays the natural-key index probe). No row: no project.
 * Exported so a test can EXPLAIN the real query.
 */
export function publishTargetQuery(
  db: Executor,
  projectId: string,
  commitSha: string | null,
  title: string,
  collectionId: string | null,
) {
  const project = db
    .selectFrom('projects as p')
    .select(['p.max_bytes as project_max_bytes', 'p.max_snapshots as project_max_snapshots'])
    .where('p.id', '=', projectId);
  if (commitSha === null) return project;
  return project
    .leftJoin(naturalKeyQuery(db, projectId, commitSha, title, collectionId).as('nk'), (j) =>
      j.onTrue(),
    )
    .selectAll('nk');
}

/** Snapshot rows with their files: one artifacts query for the whole set. */
export async function withFiles(
  db: Executor,
  dialect: Dialect,
  rows: SnapshotRow[],
): Promise<SnapshotRecord[]> {
  if (rows.length === 0) return [];
  const files = await db
    .selectFrom('artifacts')
    .select(['snapshot_id', 'kind', 'storage_key', 'content_type', 'size', 'sha256', 'created_at'])
    .where(
      'snapshot_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) =>
    decodeSnapshot(
      dialect,
      r,
      files.filter((f) => f.snapshot_id === r.id),
    ),
  );
}

export function snapshotQueries(db: Executor, dialect: Dialect = 'sqlite') {
  return {
    async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
      const row = await snapshotByIdQuery(db, dialect, id).executeTakeFirst();
      return row
        ? decodeWithFiles(dialect, row as SnapshotRow & { files_json: unknown })
        : undefined;
    },
    /**
     * The newest snapshot with this natural key (project, commit, title, collection). On
     * PostgreSQL it first locks the key until the transaction ends (SQLite serialises writers
     * anyway), so concurrent identical publishes on any replica find each other's row.
     */
    async findByNaturalKey(
      projectId: string,
      commitSha: string,
      title: string,
      collectionId: string | null,
    ) {
      if (dialect === 'postgres') {
        const key = JSON.stringify([projectId, commitSha, title, collectionId]);
        await sql`select pg_advisory_xact_lock(hashtextextended(${`natural:${key}`}, 0))`.execute(
          db,
        );
      }
      const row = await naturalKeyQuery(
        db,
        projectId,
        commitSha,
        title,
        collectionId,
      ).executeTakeFirst();
      return row ? (await withFiles(db, dialect, [row]))[0] : undefined;
    },
    /**
     * The publish's one read (publishTargetQuery): the project's limits and the natural-key
     * snapshot, with its files when there is one. Takes findByNaturalKey's lock on PostgreSQL.
     */
    async publishTarget(
      projectId: string,
      commitSha: string | null,
      title: string,
      collectionId: string | null,
    ) {
      if (dialect === 'postgres' && commitSha !== null) {
        const key = JSON.stringify([projectId, commitSha, title, collectionId]);
        await sql`select pg_advisory_xact_lock(hashtextextended(${`natural:${key}`}, 0))`.execute(
          db,
        );
      }
      const row = (await publishTargetQuery(
        db,
        projectId,
        commitSha,
        title,
        collectionId,
      ).executeTakeFirst()) as
        | (Partial<SnapshotRow> & { project_max_bytes: unknown; project_max_snapshots: unknown })
        | undefined;
      if (!row) return { existing: undefined, limits: undefined };
      const { project_max_bytes, project_max_snapshots, ...nk } = row;
      const limits = {
        max_bytes: project_max_bytes === null ? null : Number(project_max_bytes),
        max_snapshots: project_max_snapshots === null ? null : Number(project_max_snapshots),
      };
      const existing =
        nk.id == null ? undefined : (await withFiles(db, dialect, [nk as SnapshotRow]))[0];
      return { existing, limits };
    },
    /**
     * Refreshes planner statistics (the hourly sweep): SQLite's `PRAGMA optimize` re-analyses
     * tables that grew. PostgreSQL's autovacuum already runs ANALYZE as tables change.
     */
    async optimizePlanner(): Promise<void> {
      if (dialect === 'sqlite') await sql`pragma optimize`.execute(db);
    },
    async findCollection(projectId: string, name: string) {
      return db
        .selectFrom('collections')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('name', '=', name)
        .executeTakeFirst();
    },
    /** Inserts a collection; a concurrent insert of the same name wins silently (read it back). */
    async insertCollection(row: Database['collections']): Promise<void> {
      await db
        .insertInto('collections')
        .values(row)
        .onConflict((c) => c.columns(['project_id', 'name']).doNothing())
        .execute();
    },
    /**
     * Inserts a new pending snapshot (its tags' filter rows are written by a trigger, 0016);
     * returns the record as stored (RETURNING, no re-read). `collection` is the name of `s.collection_id`'s collection.
     */
    async insertSnapshot(
      s: NewSnapshot,
      collection: string | null = null,
    ): Promise<SnapshotRecord> {
      const row = await db
        .insertInto('snapshots')
        .values(encodeSnapshot(dialect, s))
        .returningAll()
        .executeTakeFirstOrThrow();
      return decodeSnapshot(dialect, { ...row, collection } as SnapshotRow, []);
    },
    /**
     * What an upload must know before its body is read, in one statement: the snapshot with
     * its files, whether this token's nonce was already used, and the project's byte limit
     * (null: none, the common case, so no quota counting follows).
     */
    async uploadTarget(id: string, nonce: string) {
      const row = (await snapshotByIdQuery(db, dialect, id)
        .select(
          // The artifact row it stored (0014), or a nonce recorded before that migration.
          sql<unknown>`(exists (select 1 from artifacts n where n.snapshot_id = s.id and n.upload_nonce = ${nonce})
            or exists (select 1 from consumed_upload_nonces u where u.nonce = ${nonce}))`.as(
            'nonce_used',
          ),
        )
        .select(
          sql<unknown>`(select p.max_bytes from projects p where p.id = s.project_id)`.as(
            'project_max_bytes',
          ),
        )
        .executeTakeFirst()) as
        | (SnapshotRow & { files_json: unknown; nonce_used: unknown; project_max_bytes: unknown })
        | undefined;
      if (!row) return undefined;
      const { nonce_used, project_max_bytes, ...snapshot } = row;
      return {
        snapshot: decodeWithFiles(dialect, snapshot),
        nonceUsed: Boolean(Number(nonce_used)) || nonce_used === true,
        maxBytes: project_max_bytes === null ? null : Number(project_max_bytes),
      };
    },
    /**
     * Records an uploaded artifact only while its snapshot is pending and has no file of this
     * kind: the checks and the insert are one statement (no re-read of the snapshot). The row
     * keeps the upload URL's nonce, which makes the URL single-use (0014). False when refused;
     * the caller reads the snapshot to say why.
     */
    async insertArtifactIfPending(row: ArtifactRecord, nonce: string): Promise<boolean> {
      const r = await db
        .insertInto('artifacts')
        .columns([
          'snapshot_id',
          'kind',
          'storage_key',
          'content_type',
          'size',
          'sha256',
          'created_at',
          'upload_nonce',
        ])
        .expression((eb) =>
          eb
            .selectFrom('snapshots')
            // Typed casts: PostgreSQL does not infer a parameter's type from the target column
            // through INSERT … SELECT.
            .select([
              'id',
              sql<string>`cast(${row.kind} as text)`.as('kind'),
              sql<string>`cast(${row.storage_key} as text)`.as('storage_key'),
              sql<string>`cast(${row.content_type} as text)`.as('content_type'),
              sql<number>`cast(${row.size} as integer)`.as('size'),
              sql<string>`cast(${row.sha256} as text)`.as('sha256'),
              dialect === 'postgres'
                ? sql<string>`cast(${row.created_at} as timestamptz)`.as('created_at')
                : sql<string>`${row.created_at}`.as('created_at'),
              sql<string>`cast(${nonce} as text)`.as('upload_nonce'),
            ])
            .where('id', '=', row.snapshot_id)
            .where('status', '=', 'pending'),
        )
        .onConflict((c) => c.columns(['snapshot_id', 'kind']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    /** Inserts or replaces the artifact row; returns the previous row if there was one. */
    /** Every caller checked in its transaction that no row of this kind exists: one upsert. */
    async putArtifact(row: ArtifactRecord): Promise<void> {
      await db
        .insertInto('artifacts')
        .values(row)
        .onConflict((c) => c.columns(['snapshot_id', 'kind']).doUpdateSet(row))
        .execute();
    },
    /**
     * Call first in a transaction that checks or drops an object's references: on SQLite a
     * write that changes nothing takes the database's write lock, so that check and what
     * follows (the row insert, the object's deletion) are one step for every process, admin
     * commands included. PostgreSQL needs nothing here: the object lock (store.lock) is a
     * session advisory lock every process and replica sees.
     */
    async lockObjectRefs(): Promise<void> {
      if (dialect === 'sqlite')
        await sql`update artifacts set storage_key = storage_key where 0`.execute(db);
    },
    /** How many artifact rows name this storage key (an object's references, 0009 index). */
    async countObjectRefs(storageKey: string): Promise<number> {
      const r = await db
        .selectFrom('artifacts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('storage_key', '=', storageKey)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async markReady(
      id: string,
      now: string,
      urls: { plot_url: string | null; code_url: string | null },
    ) {
      const r = await db
        .updateTable('snapshots')
        .set({ status: 'ready', finalized_at: now, ...urls })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      // True only for the call that made it ready, so exactly one snapshot.ready is logged.
      return Number(r.numUpdatedRows) > 0;
    },
    /**
     * Finalize's one statement: marks the snapshot ready only if it is pending, in this
     * project, and has every requested artifact, and returns it as updated with its
     * collection's name and files (RETURNING; no read before or after). `urls` are the
     * delivery paths, each stored only when that artifact was requested. Undefined when it
     * was not made ready: the caller reads the snapshot to say why.
     */
    async finalizeIfComplete(
      id: string,
      projectId: string,
      now: string,
      urls: { plot_url: string; code_url: string },
    ): Promise<SnapshotRecord | undefined> {
      // No alias: SQLite's RETURNING sees the table only by its name.
      const has = (kind: 'plot' | 'code') =>
        sql<boolean>`exists (select 1 from artifacts a where a.snapshot_id = snapshots.id and a.kind = ${kind})`;
      const row = await db
        .updateTable('snapshots')
        .set({
          status: 'ready',
          finalized_at: now,
          plot_url: sql<string | null>`case when want_plot = 1 then ${urls.plot_url} end`,
          code_url: sql<string | null>`case when want_code = 1 then ${urls.code_url} end`,
        })
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('want_plot', '=', 0), has('plot')]))
        .where((eb) => eb.or([eb('want_code', '=', 0), has('code')]))
        .returningAll()
        .returning([
          sql<
            string | null
          >`(select c.name from collections c where c.id = snapshots.collection_id)`.as(
            'collection',
          ),
          filesColumn(dialect, sql.ref('snapshots.id')),
        ])
        .executeTakeFirst();
      return row
        ? decodeWithFiles(dialect, row as unknown as SnapshotRow & { files_json: unknown })
        : undefined;
    },
    /** Deletes the snapshot row (tags and artifact rows cascade). */
    async deleteSnapshot(id: string): Promise<void> {
      await db
        .updateTable('snapshots')
        .set({ supersedes: null })
        .where('supersedes', '=', id)
        .execute();
      await db.deleteFrom('snapshots').where('id', '=', id).execute();
    },
    /** One page, newest first; ids sort by creation time so the cursor is the last id seen. */
    async listSnapshots(projectId: string, f: SnapshotFilters, limit: number, cursor?: string) {
      const rows = (await listQuery(db, dialect, projectId, f, limit, cursor).execute()) as Array<
        SnapshotRow & { files_json: unknown }
      >;
      const page = rows.slice(0, limit).map((r) => decodeWithFiles(dialect, r));
      return { page, more: rows.length > limit };
    },
    /** One page of the latest-per-plot view (latestQuery): records with their version counts. */
    async listLatest(projectId: string, f: SnapshotFilters, limit: number, cursor?: string) {
      const rows = (await latestQuery(db, dialect, projectId, f, limit, cursor).execute()) as Array<
        SnapshotRow & { files_json: unknown; version_count: number | string }
      >;
      const page = rows.slice(0, limit).map(({ version_count, ...r }) => ({
        snapshot: decodeWithFiles(dialect, r),
        versions: Number(version_count),
      }));
      return { page, more: rows.length > limit };
    },
    /**
     * A project's collections by name with their snapshot counts: the ready ones summed from
     * plot_heads (0012, a primary-key range per collection) plus the pending ones (few; by
     * snapshots_status_id), so the count costs the same at 100 or 100k snapshots. SQLite is
     * told the index: its statistics have no histogram, and with few pending rows it would
     * rather scan the table or read the whole collection.
     */
    async listCollections(projectId: string) {
      const pendingIndex = dialect === 'sqlite' ? sql`indexed by snapshots_status_id` : sql``;
      return db
        .selectFrom('collections as c')
        .select(['c.id', 'c.project_id', 'c.name', 'c.created_at'])
        .select(
          sql<number>`cast(coalesce((select sum(h.versions) from plot_heads h
            where h.project_id = c.project_id and h.facet = '' and h.value = '' and h.plot = c.id), 0)
            + (select count(*) from snapshots s ${pendingIndex} where s.project_id = c.project_id
              and s.status = 'pending' and s.collection_id = c.id) as integer)`.as(
            'snapshot_count',
          ),
        )
        .where('c.project_id', '=', projectId)
        .orderBy('c.name')
        .execute();
    },
  };
}
