/**
 * 0013 (PostgreSQL only; a no-op on SQLite): stream positions for events without a lock held
 * across the writing transaction (issue 16; why in store-events.ts). Adds `events.seq`, its
 * sequence and `snapshotplot_sequence_events()`. Events already logged keep their id as their
 * position, so a stream resuming with a Last-Event-ID from before the upgrade misses nothing.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** 0013 for a dialect. */
export const eventOrder = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    if (dialect !== 'postgres') return;
    // Row-level security hides every row without the setting (0003); this runs for them all.
    await sql`select set_config('app.principal_projects', '*', true)`.execute(db);
    await sql`alter table events add column seq bigint`.execute(db);
    await sql`update events set seq = id`.execute(db);
    await sql`create sequence events_seq as bigint`.execute(db);
    await sql`select setval('events_seq', coalesce((select max(id) from events), 0) + 1, false)`.execute(
      db,
    );
    // Streams read a project's events by position; a fresh stream starts after the largest.
    await sql`drop index events_project_id`.execute(db);
    await sql`create index events_project_seq on events (project_id, seq)`.execute(db);
    await sql`create unique index events_seq_unique on events (seq)`.execute(db);
    await sql`create index events_unsequenced on events (id) where seq is null`.execute(db);
    // One statement: the lock is taken and released (at its commit) without a client round
    // trip in between. Each statement of a volatile function reads a fresh snapshot, so after
    // the lock the previous run's positions are visible; `e.seq is null` is re-checked on a
    // row updated meanwhile, so no event ever gets a second position.
    await sql`
      create function snapshotplot_sequence_events() returns setof text
      language plpgsql volatile as $fn$
      begin
        perform pg_advisory_xact_lock(hashtextextended('snapshotplot:events', 0));
        return query
          with pending as (
            select id from events where seq is null order by id
          ), numbered as (
            select id, nextval('events_seq') as seq from pending
          ), done as (
            update events e set seq = numbered.seq
            from numbered where e.id = numbered.id and e.seq is null
            returning e.project_id
          ), projects as (
            select distinct project_id from done
          )
          select projects.project_id
          from projects, pg_notify('snapshotplot_events', projects.project_id) as n;
      end
      $fn$`.execute(db);
  },
});
