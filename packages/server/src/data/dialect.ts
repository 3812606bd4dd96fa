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
