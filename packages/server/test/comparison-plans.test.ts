/**
 * The branch-fallback baseline lookup runs once per head plot without a merge-base baseline:
 * on a project with many snapshots on its default branch it must be one probe of
 * snapshots_branch_title (0008), not a walk of the project. SQLite, with and without
 * statistics, on the real query text (kysely's compile() of branchBaselineQuery).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/data/sqlite.js';
import { branchBaselineQuery } from '../src/data/store-comparisons.js';

const ROWS = 40_000;
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

describe('the branch baseline query plan on SQLite', () => {
  it('probes snapshots_branch_title, with no sort and no walk of the project', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-plan-branch-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const db = await openSqlite(dataDir);
    cleanup.push(() => db.destroy());
    const now = '2026-01-01T00:00:00.000Z';
    await db
      .insertInto('projects')
      .values({ id: 'proj_big', name: 'big', owner_id: null, created_at: now })
      .execute();
    await db
      .insertInto('collections')
      .values({ id: 'col_big', project_id: 'proj_big', name: 'nightly', created_at: now })
      .execute();
    // 2000 commits × 20 titles on main (every 4th in a collection), created a second apart.
    await sql`insert into snapshots (id, project_id, collection_id, title, commit_sha, branch,
        status, want_plot, want_code, created_at)
      select 'snap_' || printf('%07d', i), 'proj_big',
        case when i % 4 = 0 then 'col_big' else null end, 't' || (i % 20),
        'c' || printf('%05d', i / 20), case when i % 10 = 0 then 'feat' else 'main' end,
        'ready', 1, 0, strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds')
      from (with recursive n(i) as (select 1 union all select i + 1 from n where i < ${sql.lit(ROWS)}) select i from n)`.execute(
      db,
    );
    const plans = async () => {
      const out: string[] = [];
      for (const collectionId of [null, 'col_big']) {
        const q = branchBaselineQuery(db, {
          projectId: 'proj_big',
          branch: 'main',
          collectionId,
          title: 't4',
          before: '2026-01-01T05:00:00.000Z',
          notCommit: 'c00900',
        }).compile();
        const r = await db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
        );
        out.push(r.rows.map((row) => row.detail).join(' | '));
      }
      return out;
    };
    const check = (list: string[]) => {
      for (const plan of list) {
        expect(plan).toMatch(/SEARCH s USING INDEX snapshots_branch_title \(/);
        expect(plan).not.toContain('snapshots_project_id');
        expect(plan).not.toContain('TEMP B-TREE');
      }
    };
    check(await plans());
    await sql`analyze`.execute(db);
    check(await plans());
  });
});
