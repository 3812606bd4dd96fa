/**
 * Benchmark 6: size curve. The same project holding 0, 10k and 100k ready snapshots (seeded
 * by direct SQL inserts into the server's SQLite file while it is stopped: rows, tags and
 * artifact rows, 20 titles per commit), then publish rate (32 connections, publish -> PUT ->
 * finalize, as benchmark 2) and list newest 50 (16 connections, as benchmark 5) at each
 * size. Target: publish and list throughput at 100k within 1.2x of the empty store.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProject } from './lib/processes.js';
import { type BenchResult, median, round } from './lib/stats.js';
import { cpuMs, loadList } from './list.js';
import { load as loadPublish } from './publish-rate.js';

const SIZES = [0, 10_000, 100_000];

interface SqliteDb {
  exec(sql: string): void;
  close(): void;
}

/** Inserts `n` ready snapshots (with a tag and a plot row each) into the project. */
function seedRows(file: string, projectId: string, n: number, offset: number) {
  const serverRequire = createRequire(fileURLToPath(import.meta.resolve('snapshotplot-server')));
  const Database = serverRequire('better-sqlite3') as new (f: string) => SqliteDb;
  const db = new Database(file);
  try {
    db.exec(`begin;
      insert into snapshots (id, project_id, title, commit_sha, branch, status, want_plot,
        want_code, tags, created_at, finalized_at)
      with recursive n(i) as (select ${offset + 1} union all select i + 1 from n
        where i < ${offset + n})
      select 'snap_00seed' || printf('%08d', i), '${projectId}', 'seed ' || (i % 20),
        printf('%040x', i / 20), 'main', 'ready', 1, 0, '["seed"]',
        '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' from n;
      insert into artifacts (snapshot_id, kind, storage_key, content_type, size, sha256,
        created_at) select id, 'plot', 'seed/' || id, 'image/png', 67, 'seed',
        '2026-01-01T00:00:00.000Z' from snapshots
        where id like 'snap_00seed%' and id > 'snap_00seed' || printf('%08d', ${offset});
      commit;`);
  } finally {
    db.close();
  }
}

/** Runs the size benchmark. */
export async function benchSize(o: { quick: boolean }): Promise<BenchResult> {
  const seconds = o.quick ? 3 : 10;
  const project = await startProject();
  const rows: Array<Record<string, number>> = [];
  let stored = 0;
  try {
    for (const size of SIZES) {
      if (size > stored) {
        await project.server.stop();
        seedRows(
          join(project.server.dataDir, 'snapshotplot.db'),
          project.projectId,
          size - stored,
          stored,
        );
        stored = size;
        await project.server.restart(); // start-up runs PRAGMA optimize (statistics)
      }
      const { url, pid } = project.server;
      const path = `/api/projects/${project.projectId}/snapshots?limit=50`;
      await loadPublish(url, project.token, project.projectId, 1);
      const cpuBefore = await cpuMs(pid);
      const pub = await loadPublish(url, project.token, project.projectId, seconds);
      const publishCpu = ((await cpuMs(pid)) - cpuBefore) / Math.max(1, pub.rps * seconds);
      const list = await loadList(url, path, project.token, seconds, pid);
      rows.push({
        stored: size,
        publish_requests_per_s: round(pub.rps, 0),
        publish_p50_ms: pub.p50,
        publish_failed: pub.errors,
        publish_cpu_ms_per_request: round(publishCpu, 3),
        list_requests_per_s: round(list.rps, 0),
        list_p50_ms: list.p50,
        list_cpu_ms_per_request: round(list.cpuMsPerRequest, 3),
      });
      console.error(JSON.stringify(rows[rows.length - 1]));
    }
  } finally {
    await project.server.destroy();
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const publishSlowdown = round(first.publish_requests_per_s! / last.publish_requests_per_s!, 2);
  const listSlowdown = round(first.list_requests_per_s! / last.list_requests_per_s!, 2);
  const ratio = Math.max(publishSlowdown, listSlowdown);
  return {
    name: 'size',
    quick: o.quick,
    target: 'throughput with 100k stored within 1.2x of the empty store (publish and list)',
    met: ratio <= 1.2 && rows.every((r) => r.publish_failed === 0),
    ratio,
    publish_slowdown: publishSlowdown,
    list_slowdown: listSlowdown,
    median_publish_requests_per_s: median(rows.map((r) => r.publish_requests_per_s!)),
    seconds_per_run: seconds,
    sizes: rows,
  };
}
