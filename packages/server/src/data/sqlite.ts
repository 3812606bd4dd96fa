/** Opens the SQLite database of a data dir: WAL, busy timeout, foreign keys, migrations. */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ensurePrivateDir, tighten } from '../data-dir.js';
import { migrateToLatest } from './migrations.js';
import { statementLog } from './statement-count.js';
import type { Database } from './tables.js';

export const DATABASE_FILE = 'snapshotplot.db';

/** A ready-to-use kysely instance over `<dataDir>/snapshotplot.db`, migrated to the latest schema. */
export async function openSqlite(dataDir: string): Promise<Kysely<Database>> {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, DATABASE_FILE);
  // SQLite creates the file with the process umask (often 0644) and gives -wal and -shm the
  // database file's mode: create it 0600 first, and tighten files an earlier version left.
  closeSync(openSync(file, 'a', 0o600));
  const sqlite = new BetterSqlite3(file);
  // WAL lets admin commands write while the server reads; busy_timeout makes a second
  // writer wait instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) tighten(f, 0o600);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  cacheStatements(sqlite, writeTransactions);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    ...statementLog(),
  });
  // Two processes opening a fresh data dir at once (the server and an admin command) race
  // to apply the first migration; the loser sees "table already exists" and, on a retry,
  // finds the migration recorded and does nothing.
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db as unknown as Kysely<unknown>);
      // Planner statistics for tables that lack or outgrew them (SQLite's advice for a
      // connection at open: 0x10000 = every table, not only those this connection queried).
      sqlite.pragma('optimize=0x10002');
      return db;
    } catch (error) {
      if (attempt >= 5) {
        await db.destroy();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
    }
  }
}

/**
 * kysely opens every transaction with a plain (deferred) `begin`. Several processes on one
 * file (serve --workers, admin commands): a deferred transaction that read and then writes
 * fails at once with SQLITE_BUSY when another process wrote meanwhile, and the busy timeout
 * cannot help (waiting would not make its snapshot current). `begin immediate` takes the
 * write lock first, so writers queue on busy_timeout, one at a time, and then succeed.
 * (store.reads() runs outside transactions, so readers never queue.)
 */
const writeTransactions = (source: string) =>
  source.trim().toLowerCase() === 'begin' ? 'begin immediate' : source;

/**
 * kysely prepares every query anew and better-sqlite3 compiles SQL on each prepare(): ~9 % of
 * the server's CPU under the publish benchmark (bench/README.md). Reuse statements by SQL text;
 * statements run synchronously, so one is never in use twice at once. Bounded, oldest out.
 */
function cacheStatements(
  sqlite: BetterSqlite3.Database,
  rewrite: (source: string) => string,
  max = 256,
): void {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      const text = rewrite(source);
      statement = prepare(text);
      if (statement.reader) statement.all = rowsOf(prepare(text));
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * `all()` of a reading statement, with the row objects made in JavaScript from raw rows.
 * better-sqlite3 builds each row object in C++ one property at a time, which was about half
 * of the time a 50-row list page spent in SQLite (bench/README.md, fifth pass); copying a
 * template of the statement's columns and filling it by position gives every row the same
 * shape at a fraction of the cost. Same result: column order, and the last of two columns of
 * one name wins, as in better-sqlite3's own objects.
 */
function rowsOf(raw: BetterSqlite3.Statement): BetterSqlite3.Statement['all'] {
  raw.raw(true);
  let names: string[] = [];
  let template: Record<string, unknown> = {};
  const learn = () => {
    names = raw.columns().map((c) => c.name);
    template = Object.fromEntries(names.map((n) => [n, null]));
  };
  learn();
  return (...params: unknown[]) => {
    const rows = raw.all(...params) as unknown[][];
    // SQLite re-prepares a statement after a schema change, and `select *` then yields the
    // table's new columns: learn them again (a column renamed in place keeps the count, but
    // nothing renames a column under a running process; migrations run before it serves).
    if (rows.length > 0 && rows[0]!.length !== names.length) learn();
    const out = new Array<Record<string, unknown>>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const values = rows[r]!;
      const row = { ...template };
      for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
      out[r] = row;
    }
    return out;
  };
}
