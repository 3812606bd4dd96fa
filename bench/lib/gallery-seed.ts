/**
 * The gallery benchmark's data: `rows` ready snapshots in one project by direct SQL (one
 * statement per table; snapshot_tags and plot_heads follow through triggers), on SQLite or PostgreSQL.
 * Shape (for rows = 100k): 200 plots over 5 collections (40 titles each: loss, accuracy,
 * confusion, roc, latency); plot 0 is hot (every 10th snapshot: 10,000 versions), plot 1 has
 * 1,000 versions (every 100th + 1), the other 198 share the rest (~450 each), interleaved in
 * time as CI publishes them. Branches: 70 % main, 20 % dev, 10 % over 20 feature branches;
 * 3 tags each (set-0..3, os-0..2, seed); authors a0..a6; a plot artifact row each.
 */

/** The plot of row i (0 hot, 1 the 1,000-version one). */
const PLOT = 'case when i % 10 = 0 then 0 when i % 100 = 1 then 1 else 2 + (i % 198) end';
const KINDS = ['loss', 'accuracy', 'confusion', 'roc', 'latency'];
export const COLLECTIONS = ['training', 'eval', 'data', 'perf', 'reports'];

/** The title of plot p (SQL over p), e.g. "loss curve 5". */
const title = (p: string) =>
  `(case (${p}) / 5 % 5 ${KINDS.map((k, n) => `when ${n} then '${k}'`).join(' ')} end) || ' curve ' || (${p})`;

/** The collection id of plot p's collection (SQL over p). */
const collectionId = (projectId: string, p: string) => `'col_${projectId}_' || ((${p}) % 5)`;

/** The SQL statements that seed `rows` snapshots into `projectId` (ids snap_0000000001…). */
export function seedStatements(dialect: 'sqlite' | 'postgres', projectId: string, rows: number) {
  const now = '2026-01-01T00:00:00.000Z';
  const series =
    dialect === 'sqlite'
      ? `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows}) select i from n`
      : `select i from generate_series(1, ${rows}) as i`;
  const pad = (e: string, w: number) =>
    dialect === 'sqlite' ? `printf('%0${w}d', ${e})` : `lpad((${e})::text, ${w}, '0')`;
  const hex40 = (e: string) =>
    dialect === 'sqlite' ? `printf('%040x', ${e})` : `lpad(to_hex(${e}), 40, '0')`;
  const tags = (i: string) =>
    dialect === 'sqlite'
      ? `'["set-' || (${i} % 4) || '","os-' || (${i} % 3) || '","seed"]'`
      : `array['set-' || (${i} % 4), 'os-' || (${i} % 3), 'seed']`;
  const branch = `case when (i / 7) % 10 < 7 then 'main' when (i / 7) % 10 < 9 then 'dev' else 'feature-' || (i % 20) end`;
  return [
    `insert into collections (id, project_id, name, created_at) values ${COLLECTIONS.map(
      (name, n) => `('col_${projectId}_${n}', '${projectId}', '${name}', '${now}')`,
    ).join(', ')}`,
    `insert into snapshots (id, project_id, collection_id, title, author, description, tags,
       commit_sha, branch, status, want_plot, want_code, created_at, finalized_at)
     select 'snap_' || ${pad('i', 10)}, '${projectId}', ${collectionId(projectId, 'p')},
       ${title('p')}, 'a' || (i % 7), 'run ' || i, ${tags('i')}, ${hex40('i / 200')},
       ${branch}, 'ready', 1, 0, '${now}', '${now}'
     from (select i, ${PLOT} as p from (${series}) as series) as rows`,
    `insert into artifacts (snapshot_id, kind, storage_key, content_type, size, sha256, created_at)
     select 'snap_' || ${pad('i', 10)}, 'plot', 'seed/' || i, 'image/png', 67, 'seed', '${now}'
     from (${series}) as series`,
  ];
}

/** The plot of row i, as PLOT computes it. */
const plotOfRow = (i: number) => (i % 10 === 0 ? 0 : i % 100 === 1 ? 1 : 2 + (i % 198));

/**
 * The snapshot ids the benchmark opens: the newest of the hot plot, of plot 1 and of plot 2,
 * and the cursor of the latest view's second page (the 24th newest plot head).
 */
export function seedIds(rows: number) {
  const id = (i: number) => `snap_${String(i).padStart(10, '0')}`;
  const newest = (plot: number) => {
    for (let i = rows; i > 0; i--) if (plotOfRow(i) === plot) return id(i);
    throw new Error(`plot ${plot} has no row`);
  };
  const seen = new Set<number>();
  let pageTwo = '';
  for (let i = rows; i > 0 && !pageTwo; i--) {
    seen.add(plotOfRow(i));
    if (seen.size === 24) pageTwo = id(i);
  }
  return { hot: newest(0), thousand: newest(1), plain: newest(2), pageTwo };
}
