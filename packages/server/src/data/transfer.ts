/**
 * `export` / `import`: move an install between backends (SQLite + disk -> PostgreSQL + S3, or
 * any other pair) with nothing lost. An export is a directory: manifest.json (row counts),
 * tables/<table>.jsonl (every row, portable shape) and files/<storage key> (artifact bytes,
 * each checked against its recorded sha256; a content-addressed object that several artifacts
 * share is written once, storage/objects.ts). Import copies the files first (each put verifies
 * the hash), then inserts every row in one transaction, then checks counts and sizes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TransferError } from '../errors.js';
import { isStorageKey, type Storage } from '../storage/storage.js';
import { checkExportFolder, insideExport } from './export-folder.js';
import type { Store } from './store.js';
import { type Row, TABLES, type TableName } from './store-transfer.js';
import { openSecrets, sealSecrets, type TransferKeys } from './transfer-secrets.js';

const FORMAT = 'snapshotplot-export';
const VERSION = 1;

export interface TransferSummary {
  tables: Record<TableName, number>;
  artifacts: number;
  bytes: number;
}

interface Manifest extends TransferSummary {
  format: string;
  version: number;
  exported_at: string;
  backend: string;
}

type ArtifactRow = { storage_key: string; sha256: string; size: number };

/** One row per storage key (rows sharing an object name it once); `bytes` sums all rows. */
function distinctObjects(rows: ArtifactRow[], dir: string): ArtifactRow[] {
  const seen = new Map<string, ArtifactRow>();
  for (const a of rows) {
    const first = seen.get(a.storage_key);
    if (!first) seen.set(a.storage_key, a);
    else if (first.sha256 !== a.sha256 || first.size !== a.size) {
      throw new TransferError(
        `${dir}: two artifacts name ${a.storage_key} with different sha256 or size (corrupt rows): nothing can vouch for either; restore a backup and export again.`,
      );
    }
  }
  return [...seen.values()];
}
/** Writes the whole install to `dir` (which must be empty or absent). */
export async function exportTo(
  store: Store,
  storage: Storage,
  dir: string,
  now: Date,
  keys: TransferKeys,
): Promise<TransferSummary> {
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0) {
    throw new TransferError(`Export directory ${dir} is not empty: give a new or empty directory.`);
  }
  // The export holds what the data dir holds (webhook secrets in clear too): owner only.
  await mkdir(join(dir, 'tables'), { recursive: true, mode: 0o700 });
  // One transaction: one consistent read on SQLite (stop writers on PostgreSQL, see README).
  const dumped = await store.transaction(async (tx) => {
    const out = new Map<TableName, Row[]>();
    for (const table of TABLES) out.set(table, await tx.dumpRows(table));
    return out;
  });
  openSecrets(dumped.get('webhooks')!, keys.serverSecret);
  const tables = {} as Record<TableName, number>;
  for (const [table, rows] of dumped) {
    tables[table] = rows.length;
    await writeFile(
      join(dir, 'tables', `${table}.jsonl`),
      rows.map((r) => `${JSON.stringify(r)}\n`).join(''),
      { mode: 0o600 },
    );
  }
  const artifactRows = dumped.get('artifacts') as unknown as ArtifactRow[];
  const bytes = artifactRows.reduce((n, a) => n + a.size, 0);
  for (const a of distinctObjects(artifactRows, 'The database')) {
    const object = await storage.get(a.storage_key);
    if (!object) {
      throw new TransferError(
        `Artifact ${a.storage_key} is recorded but missing from storage: restore it, or delete its snapshot, then export again.`,
      );
    }
    const target = join(dir, 'files', a.storage_key);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(object.stream, tap, createWriteStream(target, { mode: 0o600 }));
    if (hash.digest('hex') !== a.sha256) {
      throw new TransferError(
        `Artifact ${a.storage_key} does not match its recorded sha256 (corrupt storage): nothing can vouch for it; restore it from a backup and export again.`,
      );
    }
  }
  const summary = { tables, artifacts: tables.artifacts, bytes };
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    exported_at: now.toISOString(),
    backend: store.dialect,
    ...summary,
  };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
  });
  return summary;
}

async function readManifest(root: string, dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    const file = await insideExport(root, dir, 'manifest.json');
    manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  } catch (error) {
    if (error instanceof TransferError) throw error;
    throw new TransferError(
      `${dir} has no readable manifest.json: give the directory written by \`snapshotplot-server export --to DIR\`.`,
    );
  }
  if (manifest.format !== FORMAT || manifest.version !== VERSION) {
    throw new TransferError(`${dir} is not a snapshotplot export of version ${VERSION}.`);
  }
  return manifest;
}

async function readRows(root: string, dir: string, table: TableName): Promise<Row[]> {
  const text = await readFile(
    await insideExport(root, dir, join('tables', `${table}.jsonl`)),
    'utf8',
  );
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Row);
}

/** Loads an export into an empty install; verifies counts and every artifact's hash and size. */
export async function importFrom(
  store: Store,
  storage: Storage,
  dir: string,
  keys: TransferKeys,
): Promise<TransferSummary> {
  // Before anything is read or written: no links or special files anywhere in the folder.
  const root = await checkExportFolder(dir);
  const manifest = await readManifest(root, dir);
  for (const table of ['projects', 'tokens', 'snapshots'] as const) {
    if ((await store.countRows(table)) > 0) {
      throw new TransferError(
        `The target database already has ${table}: import only into a new, empty database (run \`snapshotplot-server migrate\` on a fresh one).`,
      );
    }
  }
  const rows = new Map<TableName, Row[]>();
  for (const table of TABLES) {
    const r = await readRows(root, dir, table);
    if (r.length !== manifest.tables[table]) {
      throw new TransferError(
        `${dir}/tables/${table}.jsonl has ${r.length} rows, the manifest says ${manifest.tables[table]}: the export is incomplete; export again.`,
      );
    }
    rows.set(table, r);
  }
  // Keys come from the export file: check them all before reading any, so a crafted key
  // (`../…`) can neither read outside the export nor leave a partial import behind.
  const sources = new Map<string, string>();
  const artifactRows = rows.get('artifacts') as unknown as ArtifactRow[];
  const objects = distinctObjects(artifactRows, `${dir}/tables/artifacts.jsonl`);
  for (const a of objects) {
    if (!isStorageKey(a.storage_key)) {
      throw new TransferError(
        `${dir}/tables/artifacts.jsonl has an invalid storage key ${JSON.stringify(a.storage_key)} (expected e.g. plots/<project>/<snapshot>/plot.png): the export is damaged or was edited; nothing was imported, export again.`,
      );
    }
    sources.set(a.storage_key, await insideExport(root, dir, join('files', a.storage_key)));
  }
  sealSecrets(rows.get('webhooks')!, dir, keys.serverSecret);
  for (const a of objects) {
    // put() verifies the hash and keeps nothing on a mismatch. Once per shared object.
    await storage.put(a.storage_key, createReadStream(sources.get(a.storage_key)!), {
      maxBytes: a.size,
      expectedSha256: a.sha256,
    });
  }
  const bytes = artifactRows.reduce((n, a) => n + a.size, 0);
  await store.transaction(async (tx) => {
    for (const table of TABLES) await tx.loadRows(table, rows.get(table)!);
    await tx.resetSequences();
  });
  const tables = {} as Record<TableName, number>;
  for (const table of TABLES) {
    tables[table] = await store.countRows(table);
    if (tables[table] !== manifest.tables[table]) {
      throw new TransferError(
        `After import ${table} has ${tables[table]} rows, the export ${manifest.tables[table]}.`,
      );
    }
  }
  for (const a of objects) {
    const stat = await storage.stat(a.storage_key);
    if (stat?.size !== a.size) {
      throw new TransferError(`After import ${a.storage_key} is missing or has the wrong size.`);
    }
  }
  return { tables, artifacts: tables.artifacts, bytes };
}
