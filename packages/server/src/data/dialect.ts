/** The two database backends and the few type differences their shared migrations need. */
import { type Expression, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Text columns. On PostgreSQL they use the "C" collation: ids, cursors and ISO timestamps are
 * compared byte-wise as on SQLite, whatever locale the cluster was created with (with a
 * language collation `snap_a` and `snap_B` would sort differently and break pagination).
 */
export function textType(dialect: Dialect): 'text' | Expression<unknown> {
  return dialect === 'postgres' ? sql`text collate "C"` : 'text';
}

/**
 * Points in time: `timestamptz` on PostgreSQL (the spec's type), ISO-8601 text on SQLite. The
 * PostgreSQL pool reads them back as ISO-8601 strings (postgres.ts), so the query layer sees
 * the same values on both, and ISO strings bound as parameters compare as timestamps.
 */
export function timeType(dialect: Dialect): 'text' | 'timestamptz' {
  return dialect === 'postgres' ? 'timestamptz' : 'text';
}
