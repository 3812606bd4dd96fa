/**
 * 0012: plot_heads, the latest-per-plot grid's summary. One row per plot (project, collection
 * or '' for none, title) and facet of its ready versions: facet '' (value '') is every ready
 * version, facet 'branch' one branch, facet 'tag' one tag (from snapshots.tags, the list that
 * snapshot_tags indexes). Each row holds the newest such version (head_id) and how many there
 * are, so the grid unfiltered, by collection, by branch or by tag is one index range
 * (plot_heads_head) instead of a walk over every version (store-snapshots latestQuery).
 * Database triggers on snapshots keep it exact on every path that writes them (publish,
 * finalize, supersede, delete, retention, import, project deletion) without a statement more
 * on the publish path: row triggers on SQLite, statement triggers over transition tables on
 * PostgreSQL, where a removal locks the plots' rows before it looks for the next head, so a
 * finalize of the same plot committing meanwhile is seen. Row-level security as in 0003.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** The rows of `r`'s plot (r: old or new), any facet. */
const plotOf = (r: 'old' | 'new') =>
  `project_id = ${r}.project_id and plot = coalesce(${r}.collection_id, '') and title = ${r}.title`;

/** SQLite: the facets of snapshot row `r`: ('', ''), its branch, each of its tags (distinct). */
const facetsOf = (r: 'old' | 'new') =>
  `select '' as facet, '' as value
   union select 'branch', ${r}.branch where ${r}.branch is not null
   union select 'tag', j.value from json_each(${r}.tags) as j`;

/**
 * The newest ready version left of a plot (project, plot, title: SQL expressions) with the
 * facet of summary row `h` ('' when none is left; the row then goes, as its count is 0). Only
 * run when the head itself leaves.
 */
const nextHead = (project: string, plot: string, title: string, h: string) =>
  `coalesce((select v.id from snapshots v where v.project_id = ${project}
    and coalesce(v.collection_id, '') = ${plot} and v.title = ${title} and v.status = 'ready'
    and (${h}.facet = ''
      or (${h}.facet = 'branch' and v.branch = ${h}.value)
      or (${h}.facet = 'tag' and exists (select 1 from snapshot_tags t
          where t.snapshot_id = v.id and t.tag = ${h}.value)))
    order by v.id desc limit 1), '')`;

/** SQLite, row `old` leaves its plot's counts (deleted, no longer ready, or moved). */
const removeOld = (guard = '') => [
  `update plot_heads set versions = versions - 1,
     head_id = case when head_id = old.id
       then ${nextHead('old.project_id', "coalesce(old.collection_id, '')", 'old.title', 'plot_heads')}
       else head_id end
   where ${plotOf('old')} and (facet, value) in (${facetsOf('old')})${guard}`,
  `delete from plot_heads where ${plotOf('old')} and versions <= 0${guard}`,
];

/** SQLite, row `new` joins its plot's counts (inserted ready, finalized, or moved). */
const addNew = () =>
  `insert into plot_heads (project_id, plot, title, facet, value, head_id, versions)
   select new.project_id, coalesce(new.collection_id, ''), new.title, f.facet, f.value, new.id, 1
   from (${facetsOf('new')}) as f where new.status = 'ready'
   on conflict (project_id, facet, value, plot, title) do update
   set versions = plot_heads.versions + 1,
     head_id = max(plot_heads.head_id, excluded.head_id)`;

/** An update that moves the row between counts: status, plot identity, branch or tags. */
const COLUMNS = 'status, title, collection_id, project_id, branch, tags';
const moved = (isNot: string) =>
  COLUMNS.split(', ')
    .map((c) => `old.${c} ${isNot} new.${c}`)
    .join(' or ');

async function sqliteTriggers(db: Kysely<unknown>) {
  await sql
    .raw(`create trigger plot_heads_insert after insert on snapshots when new.status = 'ready'
    begin ${addNew()}; end`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_delete after delete on snapshots when old.status = 'ready'
    begin ${removeOld().join('; ')}; end`)
    .execute(db);
  // SQLite has no IF in a trigger: each half guards itself (old / new status ready).
  await sql
    .raw(`create trigger plot_heads_update after update of ${COLUMNS} on snapshots
      when ${moved('is not')}
    begin ${[...removeOld(` and old.status = 'ready'`), addNew()].join('; ')}; end`)
    .execute(db);
}

/**
 * PostgreSQL: statement-level triggers over transition tables, so a statement touching many
 * rows of one plot (an import, a retention run, a bulk insert) updates each summary row once;
 * row by row, PostgreSQL would stack a tuple version per update of the same row within the
 * transaction and each upsert would walk them all (quadratic in a plot's versions).
 */
const pgFacets = (r: string) => `(select '' as facet, '' as value
  union select 'branch', ${r}.branch where ${r}.branch is not null
  union select 'tag', j.value from unnest(${r}.tags) as j(value))`;

/** The rows leaving (`gone`) or joining (`came`) the counts, per statement kind. */
const PG_SOURCES = {
  DELETE: { gone: `select * from old_rows where status = 'ready'` },
  INSERT: { came: `select * from new_rows where status = 'ready'` },
  UPDATE: {
    gone: `select o.* from old_rows o join new_rows n on n.id = o.id
      where o.status = 'ready' and (${moved('is distinct from').replaceAll('old.', 'o.').replaceAll('new.', 'n.')})`,
    came: `select n.* from new_rows n join old_rows o on o.id = n.id
      where n.status = 'ready' and (${moved('is distinct from').replaceAll('old.', 'o.').replaceAll('new.', 'n.')})`,
  },
} as const;

/** Per (plot, facet) of `source`'s rows: how many and the newest id. */
const pgGrouped = (source: string) => `select r.project_id, coalesce(r.collection_id, '') as plot,
    r.title, f.facet, f.value, max(r.id) as head_id, count(*) as n
  from (${source}) as r cross join lateral ${pgFacets('r')} as f
  group by r.project_id, coalesce(r.collection_id, ''), r.title, f.facet, f.value`;

const pgKey = (a: string, b: string) =>
  ['project_id', 'facet', 'value', 'plot', 'title']
    .map((c) => `${a}.${c} = ${b}.${c}`)
    .join(' and ');

const pgRemove = (gone: string) => `
  -- Lock the plots' rows first: the head lookups below then run with a fresh snapshot (read
  -- committed), after any concurrent finalize of these plots has committed.
  perform 1 from plot_heads h join (select distinct r.project_id, coalesce(r.collection_id, '') as plot,
      r.title from (${gone}) as r) as k
    on h.project_id = k.project_id and h.plot = k.plot and h.title = k.title
    order by h.project_id, h.facet, h.value, h.plot, h.title for update of h;
  update plot_heads h set versions = h.versions - d.n from (${pgGrouped(gone)}) as d
    where ${pgKey('h', 'd')};
  update plot_heads h set head_id = ${nextHead('h.project_id', 'h.plot', 'h.title', 'h')}
    from (select distinct r.id, r.project_id, coalesce(r.collection_id, '') as plot, r.title,
        f.facet, f.value from (${gone}) as r cross join lateral ${pgFacets('r')} as f) as d
    where ${pgKey('h', 'd')} and h.head_id = d.id;
  delete from plot_heads h using (${pgGrouped(gone)}) as d where ${pgKey('h', 'd')} and h.versions <= 0;`;

const pgAdd = (came: string) => `
  insert into plot_heads (project_id, plot, title, facet, value, head_id, versions)
  select d.project_id, d.plot, d.title, d.facet, d.value, d.head_id, d.n from (${pgGrouped(came)}) as d
  on conflict (project_id, facet, value, plot, title) do update
  set versions = plot_heads.versions + excluded.versions,
    head_id = greatest(plot_heads.head_id, excluded.head_id);`;

async function postgresTriggers(db: Kysely<unknown>) {
  await sql
    .raw(`create function snapshotplot_plot_heads() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then ${pgRemove(PG_SOURCES.DELETE.gone)}
      elsif tg_op = 'INSERT' then ${pgAdd(PG_SOURCES.INSERT.came)}
      else ${pgRemove(PG_SOURCES.UPDATE.gone)} ${pgAdd(PG_SOURCES.UPDATE.came)}
      end if;
      return null;
    end $$`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_insert after insert on snapshots
      referencing new table as new_rows for each statement execute function snapshotplot_plot_heads()`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_delete after delete on snapshots
      referencing old table as old_rows for each statement execute function snapshotplot_plot_heads()`)
    .execute(db);
  // Transition tables allow no column list: every update statement runs it, and the join of
  // its old and new rows keeps only those that moved (status, plot, branch or tags).
  await sql
    .raw(`create trigger plot_heads_update after update on snapshots
      referencing old table as old_rows new table as new_rows
      for each statement execute function snapshotplot_plot_heads()`)
    .execute(db);
  await sql`alter table plot_heads enable row level security`.execute(db);
  await sql`alter table plot_heads force row level security`.execute(db);
  await sql`create policy principal_projects on plot_heads
    using (snapshotplot_visible(project_id)) with check (snapshotplot_visible(project_id))`.execute(
    db,
  );
}

/** 0012 for a dialect. */
export const plotHeads = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    await sql`create table plot_heads (
      project_id text not null,
      facet text not null,
      value text not null,
      plot text not null,
      title text not null,
      head_id text not null,
      versions integer not null,
      primary key (project_id, facet, value, plot, title))`.execute(db);
    // A page of the grid: one facet's plots, newest head first, keyset by head_id.
    await sql`create index plot_heads_head on plot_heads (project_id, facet, value, head_id)`.execute(
      db,
    );
    if (dialect === 'postgres') {
      await postgresTriggers(db);
      // The backfill below must see every project's rows (0003's policy): for this migration's
      // transaction only, as the server's own work does.
      await sql`select set_config('app.principal_projects', '*', true)`.execute(db);
    } else {
      await sqliteTriggers(db);
    }
    // Existing rows, once (later writes go through the triggers).
    const plot = sql`s.project_id, coalesce(s.collection_id, ''), s.title`;
    const into = sql`insert into plot_heads (project_id, plot, title, facet, value, head_id, versions)`;
    await sql`${into} select ${plot}, '', '', max(s.id), count(*) from snapshots s
      where s.status = 'ready' group by ${plot}`.execute(db);
    await sql`${into} select ${plot}, 'branch', s.branch, max(s.id), count(*) from snapshots s
      where s.status = 'ready' and s.branch is not null group by ${plot}, s.branch`.execute(db);
    await sql`${into} select ${plot}, 'tag', t.tag, max(s.id), count(*) from snapshots s
      join snapshot_tags t on t.snapshot_id = s.id where s.status = 'ready'
      group by ${plot}, t.tag`.execute(db);
  },
});
