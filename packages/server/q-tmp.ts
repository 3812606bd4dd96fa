import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { openSqlite } from './src/data/sqlite.js';
import { createStore } from './src/data/store.js';
import { publish } from './src/snapshots/publish.js';
const dir = mkdtempSync(join(tmpdir(), 'q-'));
const db = await openSqlite(dir);
await sql`insert into projects (id, name, created_at) values ('p','p','x')`.execute(db);
await sql.raw(`insert into snapshots (id, project_id, title, commit_sha, branch, status, want_plot, want_code, tags, created_at, finalized_at)
 with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
 select 'snap_00seed' || printf('%08d', i), 'p', 'seed ' || (i % 20), printf('%040x', i / 20), 'main', 'ready', 1, 0, '["seed"]', 'x', 'x' from n`).execute(db);
await sql`analyze`.execute(db);
const lines: string[] = [];
const orig = process.stderr.write.bind(process.stderr);
(process.stderr as any).write = (s: string) => { if (s.startsWith('statement ')) lines.push(s.slice(10).trim()); return true; };
const store = createStore(db);
for (let i = 0; i < 3; i++) {
  const r = await publish({ store, now: () => new Date() }, 'token:x', { project_id: 'p', title: `t${i}`, commit_sha: `c${i}`, artifacts: { plot: true, code: false }, checksums: {}, tags: ['a'] } as never, undefined);
  await store.uploadTarget(r.snapshot.id, 'n');
  await store.transaction(async (tx) => { await tx.consumeNonce(`n${i}`, r.snapshot.id, 'plot', 'x', 'x'); await tx.insertArtifactIfPending({ snapshot_id: r.snapshot.id, kind: 'plot', storage_key: 'k', content_type: 'image/png', size: 1, sha256: 'h', created_at: 'x' }); });
  await store.transaction((tx) => tx.finalizeIfComplete(r.snapshot.id, 'p', 'x', { plot_url: 'a', code_url: 'b' }));
}
(process.stderr as any).write = orig;
await db.destroy();
const raw = new Database(join(dir, 'snapshotplot.db'));
for (const q of [...new Set(lines)]) {
  if (/^(begin|commit)/.test(q)) continue;
  const n = (q.match(/\?/g) ?? []).length;
  console.log('==', q.slice(0, 150));
  try { for (const r of raw.prepare(`explain query plan ${q}`).all(...Array(n).fill('x')) as any[]) console.log('   ', r.detail); } catch (e) { console.log('  ERR', (e as Error).message); }
}
