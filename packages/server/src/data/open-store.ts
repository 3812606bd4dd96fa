/** Picks the backend: PostgreSQL when a database URL is given, else SQLite in the data dir. */
import type { Store, StoreServices } from './store.js';

export interface StoreLocation {
  dataDir: string;
  /** postgres://… selects PostgreSQL; absent, `<dataDir>/snapshotplot.db`. */
  databaseUrl?: string;
  /** PostgreSQL pool size (`serve --db-pool-size`); the default otherwise. */
  dbPoolSize?: number;
}

/** Opens (and migrates) the store of a location. */
export async function openStore(
  where: StoreLocation,
  /** `sqliteServices`: locks and events across processes for SQLite (serve --workers). */
  o: { warn?: (message: string) => void; sqliteServices?: StoreServices } = {},
): Promise<Store> {
  if (where.databaseUrl) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(where.databaseUrl, { warn: o.warn, max: where.dbPoolSize });
  }
  const { openSqlite } = await import('./sqlite.js');
  const { createStore } = await import('./store.js');
  return createStore(await openSqlite(where.dataDir), o.sqliteServices);
}
