/**
 * 0016: two rows the server used to write statement by statement are written by triggers,
 * inside the statement that makes them necessary (issue 16: publish + upload + finalize in at
 * most 8 statements on SQLite).
 * - `snapshot_tags`, the tag filter's index, repeats `snapshots.tags`: an insert into snapshots
 *   now writes its tags' rows (distinct; ON CONFLICT DO NOTHING, so an import that also loads
 *   exported snapshot_tags rows, store-transfer.ts, adds nothing twice). Tags are never
 *   updated in place, so there is no update trigger.
 * - `webhook_deliveries`: an insert into events queues one pending delivery per enabled
 *   endpoint of its project subscribed to its type, as events/record.ts did with a read of the
 *   endpoints and an insert per delivery. The delivery's id is made from the event's and the
 *   endpoint's (`msg_` + the event id in 12 digits + `_` + the endpoint id): unique, as there
 *   is one delivery per event and endpoint and event ids are never reused (AUTOINCREMENT,
 *   identity), and in event order. Import loads events before webhooks, so imported events
 *   queue nothing; their exported deliveries are loaded as they were.
 * PostgreSQL: statement triggers over transition tables, as 0012's, so a bulk insert writes
 * each table once; they run under the inserting transaction's row-level-security setting,
 * which is the project being written.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

const DELIVERY_COLUMNS = `id, webhook_id, project_id, event_id, event_type, payload, state,
  attempts, next_attempt_at, last_status, last_error, created_at, completed_at`;

/** The delivery row of event row `e` for endpoint `w`; `id` is the dialect's delivery id. */
const deliveryOf = (e: string, id: string) =>
  `${id}, w.id, ${e}.project_id, ${e}.id, ${e}.type, ${e}.payload, 'pending', 0, ${e}.created_at,
   null, null, ${e}.created_at, null`;

async function sqliteTriggers(db: Kysely<unknown>) {
  await sql
    .raw(`create trigger snapshot_tags_insert after insert on snapshots begin
      insert into snapshot_tags (snapshot_id, tag)
        select distinct new.id, j.value from json_each(new.tags) as j where true
        on conflict do nothing;
    end`)
    .execute(db);
  await sql
    .raw(`create trigger events_deliveries after insert on events begin
      insert into webhook_deliveries (${DELIVERY_COLUMNS})
        select ${deliveryOf('new', `'msg_' || printf('%012d', new.id) || '_' || w.id`)}
        from webhooks w where w.project_id = new.project_id and w.disabled_at is null
          and exists (select 1 from json_each(w.events) as t where t.value = new.type);
    end`)
    .execute(db);
}

/**
 * PostgreSQL: `trigger` after each insert statement into `table` runs `body` (one SQL
 * statement over the inserted rows, `new_rows`) as function `snapshotplot_<trigger>`.
 */
async function afterInsertStatement(
  db: Kysely<unknown>,
  table: string,
  trigger: string,
  body: string,
) {
  await sql
    .raw(`create function snapshotplot_${trigger}() returns trigger language plpgsql as $$
    begin ${body}; return null; end $$`)
    .execute(db);
  await sql
    .raw(`create trigger ${trigger} after insert on ${table} referencing new table as new_rows
      for each statement execute function snapshotplot_${trigger}()`)
    .execute(db);
}

async function postgresTriggers(db: Kysely<unknown>) {
  await afterInsertStatement(
    db,
    'snapshots',
    'snapshot_tags_insert',
    `insert into snapshot_tags (snapshot_id, tag)
      select distinct n.id, t.tag from new_rows n cross join unnest(n.tags) as t(tag)
      on conflict do nothing`,
  );
  await afterInsertStatement(
    db,
    'events',
    'events_deliveries',
    `insert into webhook_deliveries (${DELIVERY_COLUMNS})
      select ${deliveryOf('e', `'msg_' || lpad(e.id::text, 12, '0') || '_' || w.id`)}
      from new_rows e join webhooks w on w.project_id = e.project_id
        and w.disabled_at is null and w.events::jsonb ? e.type`,
  );
}

/** 0016 for a dialect. */
export const writeTriggers = (dialect: Dialect): Migration => ({
  async up(db: Kysely<unknown>) {
    if (dialect === 'postgres') await postgresTriggers(db);
    else await sqliteTriggers(db);
  },
});
