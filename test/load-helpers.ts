/**
 * Shared by the root load and fault tests: input files, a fetch that counts failed answers,
 * and read-only checks of a server's data dir (SQLite rows, files on disk, integrity).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';

/** The 8-byte PNG signature: enough for a plot file, the rest is random (incompressible). */
const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface SourcePair {
  title: string;
  plot: string;
  code: string;
  plotBytes: Buffer;
  codeBytes: Buffer;
}

/** Writes `n` distinct plot (.png) + code (.py) pairs of `plotBytes` and ~200 bytes into dir. */
export async function writePairs(dir: string, n: number, plotBytes = 2048): Promise<SourcePair[]> {
  const pairs: SourcePair[] = [];
  for (let i = 0; i < n; i++) {
    const title = `load ${String(i).padStart(3, '0')}`;
    const plotBuf = Buffer.concat([PNG_SIGNATURE, randomBytes(plotBytes - PNG_SIGNATURE.length)]);
    const codeBuf = Buffer.from(
      `# ${title}\nimport random\nprint(${randomBytes(64).toString('hex')!.length})\n`,
    );
    const plot = join(dir, `fig-${i}.png`);
    const code = join(dir, `fig-${i}.py`);
    await writeFile(plot, plotBuf);
    await writeFile(code, codeBuf);
    pairs.push({ title, plot, code, plotBytes: plotBuf, codeBytes: codeBuf });
  }
  return pairs;
}

export interface RequestStats {
  total: number;
  /** Answers >= 400 and requests that threw (refused, reset), as "METHOD path status". */
  failed: string[];
}

/** Wraps the global fetch to count every request and each one that failed. */
export function countingFetch(stats: RequestStats): typeof fetch {
  return async (input, init) => {
    stats.total++;
    const url = new URL(input instanceof Request ? input.url : String(input));
    const what = `${init?.method ?? 'GET'} ${url.pathname}`;
    try {
      const res = await fetch(input, init);
      if (res.status >= 400) stats.failed.push(`${what} ${res.status}`);
      return res;
    } catch (error) {
      stats.failed.push(`${what} ${(error as Error).cause ?? error}`);
      throw error;
    }
  };
}

/** Every file under dir, relative to it, sorted. */
export async function walk(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, root)));
    else out.push(relative(root, p));
  }
  return out.sort();
}

interface SqliteDb {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; get(...p: unknown[]): unknown };
  close(): void;
}

/** Opens the server's database read-only with the server package's own better-sqlite3. */
export function openDatabase(dataDir: string): SqliteDb {
  const serverRequire = createRequire(new URL('../packages/server/package.json', import.meta.url));
  const Database = serverRequire('better-sqlite3') as new (
    path: string,
    o: { readonly: boolean },
  ) => SqliteDb;
  return new Database(join(dataDir, 'snapshotplot.db'), { readonly: true });
}

export interface ArtifactRow {
  snapshot_id: string;
  kind: string;
  storage_key: string;
  size: number;
  sha256: string;
}

/** The data dir as the database and the disk see it, for exact comparisons. */
export async function inspectDataDir(dataDir: string, projectId: string) {
  const db = openDatabase(dataDir);
  try {
    const integrity = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string })
      .integrity_check;
    const snapshots = db
      .prepare('SELECT id, title, status FROM snapshots WHERE project_id = ?')
      .all(projectId) as Array<{ id: string; title: string; status: string }>;
    const artifacts = db
      .prepare(
        'SELECT a.snapshot_id, a.kind, a.storage_key, a.size, a.sha256 FROM artifacts a JOIN snapshots s ON s.id = a.snapshot_id WHERE s.project_id = ?',
      )
      .all(projectId) as ArtifactRow[];
    const files = await walk(join(dataDir, 'files'));
    return { integrity, snapshots, artifacts, files };
  } finally {
    db.close();
  }
}

/** Checks every artifact row against its bytes on disk; returns the mismatches. */
export async function verifyArtifactFiles(dataDir: string, rows: ArtifactRow[]) {
  const bad: string[] = [];
  for (const row of rows) {
    const bytes = await readFile(join(dataDir, 'files', row.storage_key)).catch(() => null);
    if (!bytes) bad.push(`${row.storage_key}: missing`);
    else if (bytes.length !== row.size || sha256(bytes) !== row.sha256)
      bad.push(`${row.storage_key}: ${bytes.length} bytes, sha256 ${sha256(bytes)}`);
  }
  return bad;
}

/** A free TCP port on 127.0.0.1 (so a restarted server keeps the URLs the clients hold). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves after ms; `unref` so a forgotten wait never holds the test process. */
export const wait = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/** A small seeded PRNG (mulberry32) so "random" kill moments are reproducible from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
