/**
 * The SQLite connection builds its row objects in JavaScript from raw rows (data/sqlite.ts,
 * rowsOf): what a query returns must be exactly what better-sqlite3's own row objects are —
 * values, column order, and the last of two same-named columns winning.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openSqlite } from '../src/data/sqlite.js';
import type { Database } from '../src/data/tables.js';

let dataDir: string;
let db: Kysely<Database>;
let plain: BetterSqlite3.Database;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sp-sqlite-rows-'));
  db = await openSqlite(dataDir);
  plain = new BetterSqlite3(join(dataDir, DATABASE_FILE), { readonly: true });
});
afterAll(async () => {
  plain?.close();
  await db?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** The same SQL through the server's connection and through a plain better-sqlite3 one. */
async function both(text: string) {
  const ours = (await sql.raw(text).execute(db)).rows;
  const theirs = plain.prepare(text).all();
  return { ours: ours as Array<Record<string, unknown>>, theirs };
}

describe('SQLite row objects', () => {
  it('match better-sqlite3 for values, types, column order and repeated names', async () => {
    const text = `select 1 as a, 'x' as b, 2.5 as c, null as d, x'00ff' as e, 3 as a
      union all select 4, 'y', -1.0, 'z', x'', 5`;
    const { ours, theirs } = await both(text);
    expect(ours).toEqual(theirs);
    expect(ours.map((r) => Object.keys(r))).toEqual(theirs.map((r) => Object.keys(r as object)));
    expect(ours[0]).toEqual({ a: 3, b: 'x', c: 2.5, d: null, e: Buffer.from([0, 255]) });
    // Each row is its own object (a template is copied, never shared).
    ours[0]!.b = 'changed';
    expect(ours[1]!.b).toBe('y');
  });

  it('match for stored rows, and every run of a cached statement starts clean', async () => {
    await db
      .insertInto('projects')
      .values([
        { id: 'proj_a', name: 'a', created_at: '2026-01-01T00:00:00.000Z' },
        { id: 'proj_b', name: 'b', created_at: '2026-01-02T00:00:00.000Z' },
      ] as never)
      .execute();
    const text = 'select * from projects order by id';
    const first = await both(text);
    expect(first.ours).toEqual(first.theirs);
    expect(first.ours.map((r) => r.id)).toEqual(['proj_a', 'proj_b']);
    const again = (await sql.raw(text).execute(db)).rows;
    expect(again).toEqual(first.theirs);
    expect(again[0]).not.toBe(first.ours[0]);
    // No rows is an empty array, not a template.
    expect((await sql.raw("select * from projects where id = 'none'").execute(db)).rows).toEqual(
      [],
    );
  });

  it('follow a schema change under a cached statement', async () => {
    await sql.raw('create table rows_probe (a integer, b text)').execute(db);
    await sql.raw("insert into rows_probe values (1, 'x')").execute(db);
    const text = 'select * from rows_probe';
    expect((await sql.raw(text).execute(db)).rows).toEqual([{ a: 1, b: 'x' }]);
    await sql.raw("alter table rows_probe add column c text default 'new'").execute(db);
    expect((await sql.raw(text).execute(db)).rows).toEqual([{ a: 1, b: 'x', c: 'new' }]);
    await sql.raw('alter table rows_probe drop column b').execute(db);
    expect((await sql.raw(text).execute(db)).rows).toEqual([{ a: 1, c: 'new' }]);
  });
});
