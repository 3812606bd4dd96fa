/**
 * 0012: plot_heads, the latest-per-plot grid's summary. One row per plot (project, collection
 * or '' for none, title) and facet of its ready versions: facet '' (value '') is every ready
 * version, facet 'branch' one branch, facet 'tag' one tag (from snapshots.tags, the list that
 * snapshot_tags indexes). Each row holds the newest such version (head_id) and how many there
 * are, so the grid unfiltered, by collection, by branch or by tag is one index range
 * (plot_heads_head) instead of a walk over every version (store-snapshots latestQuery).
 * Database triggers on snapshots keep it exact on every path that writes them (publish,
 * finalize, supersede, delete, retention, import, project deletion) without a statement more
 * on the publish path. On PostgreSQL a removal locks the plot's rows before it looks for the
 * next head, so a finalize of the same plot committing meanwhile is seen. Row-level security
 * as in 0003.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** The rows of `r`'s plot (r: old or new), any facet. */
const plotOf = (r: 'old' | 'new') =>
  `project_id = ${r}.project_id and plot = coalesce(${r}.collection_id, '') and title = ${r}.title`;

/** The facets of snapshot row `r`: ('', ''), its branch, each of its tags (distinct). */
const facetsOf = (dialect: Dialect, r: 'old' | 'new') =>
  `select '' as facet, '' as value
   union select 'branch', ${r}.branch where ${r}.branch is not null
   union select 'tag', j.value from ${dialect === 'postgres' ? `unnest(${r}.tags) as j(value)` : `json_each(${r}.tags) as j`}`;

/**
 * The newest ready version of `old`'s plot left with this row's facet ('' when none is left;
 * the row is then deleted as its count is 0). Only run when the head itself goes.
 */
const nextHead = `coalesce((select v.id from snapshots v where v.project_id = old.project_id
    and coalesce(v.collection_id, '') = coalesce(old.collection_id, '') and v.title = old.title
    and v.status = 'ready'
    and (plot_heads.facet = ''
      or (plot_heads.facet = 'branch' and v.branch = plot_heads.value)
      or (plot_heads.facet = 'tag' and exists (select 1 from snapshot_tags t
          where t.snapshot_id = v.id and t.tag = plot_heads.value)))
    order by v.id desc limit 1), '')`;

/** `old` leaves its plot's counts (deleted, no longer ready, or moved). */
const removeOld = (dialect: Dialect, guard = '') => [
  `update plot_heads set versions = versions - 1,
     head_id = case when head_id = old.id then ${nextHead} else head_id end
   where ${plotOf('old')} and (facet, value) in (${facetsOf(dialect, 'old')})${guard}`,
  `delete from plot_heads where ${plotOf('old')} and versions <= 0${guard}`,
];

/** `new` joins its plot's counts (inserted ready, finalized, or moved). */
const addNew = (dialect: Dialect) =>
  `insert into plot_heads (project_id, plot, title, facet, value, head_id, versions)
   select new.project_id, coalesce(new.collection_id, ''), new.title, f.facet, f.value, new.id, 1
   from (${facetsOf(dialect, 'new')}) as f where new.status = 'ready'
   on conflict (project_id, facet, value, plot, title) do update
   set versions = plot_heads.versions + 1,
     head_id = ${dialect === 'postgres' ? 'greatest' : 'max'}(plot_heads.head_id, excluded.head_id)`;

/** An update that moves the row between counts: status, plot identity, branch or tags. */
const COLUMNS = 'status, title, collection_id, project_id, branch, tags';
const moved = (isNot: string) =>
  COLUMNS.split(', ')
    .map((c) => `old.${c} ${isNot} new.${c}`)
    .join(' or ');

async function sqliteTriggers(db: Kysely<unknown>) {
  await sql
    .raw(`create trigger plot_heads_insert after insert on snapshots when new.status = 'ready'
    begin ${addNew('sqlite')}; end`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_delete after delete on snapshots when old.status = 'ready'
    begin ${removeOld('sqlite').join('; ')}; end`)
    .execute(db);
  // SQLite has no IF in a trigger: each half guards itself (old / new status ready).
  await sql
    .raw(`create trigger plot_heads_update after update of ${COLUMNS} on snapshots
      when ${moved('is not')}
    begin ${[...removeOld('sqlite', ` and old.status = 'ready'`), addNew('sqlite')].join('; ')}; end`)
    .execute(db);
}

async function postgresTriggers(db: Kysely<unknown>) {
  await sql
    .raw(`create function snapshotplot_plot_heads() returns trigger language plpgsql as $$
    begin
      if tg_op in ('DELETE', 'UPDATE') and old.status = 'ready' then
        -- Lock the plot's rows first: the head lookup below then runs with a fresh snapshot
        -- (read committed), after any concurrent finalize of this plot has committed.
        perform 1 from plot_heads where ${plotOf('old')} for update;
        ${removeOld('postgres').join(';\n')};
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.status = 'ready' then
        ${addNew('postgres')};
      end if;
      return null;
    end $$`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_insert after insert on snapshots for each row
      when (new.status = 'ready') execute function snapshotplot_plot_heads()`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_delete after delete on snapshots for each row
      when (old.status = 'ready') execute function snapshotplot_plot_heads()`)
    .execute(db);
  await sql
    .raw(`create trigger plot_heads_update after update of ${COLUMNS} on snapshots
      for each row when (${moved('is distinct from')}) execute function snapshotplot_plot_heads()`)
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
