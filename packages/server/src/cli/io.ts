/** What a command needs from the outside world, injectable for tests. */
import type { StoreLocation } from '../data/open-store.js';
import type { Store } from '../data/store.js';
import type { Storage } from '../storage/storage.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => Date;
  /** Resolves once the server has stopped (serve) — lets the entry wait. */
  onServing?: (stop: () => Promise<void>) => void;
}

/** The data dir from the flag, else SNAPSHOTPLOT_DATA_DIR, else ./snapshotplot-data. */
export const dataDirOf = (flag: string | undefined, env: CliIo['env']) =>
  flag ?? env.SNAPSHOTPLOT_DATA_DIR ?? './snapshotplot-data';

/** Where admin commands find the database: DATABASE_URL (PostgreSQL) wins over the data dir. */
export const storeOf = (flag: string | undefined, env: CliIo['env']): StoreLocation => ({
  dataDir: dataDirOf(flag, env),
  databaseUrl: env.SNAPSHOTPLOT_DATABASE_URL || env.DATABASE_URL || undefined,
});

/** Opens the store (a data dir, or a location with a database URL) for one command; always closes it. */
export async function withStore<T>(
  where: string | StoreLocation,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const { openStore } = await import('../data/open-store.js');
  const store = await openStore(typeof where === 'string' ? { dataDir: where } : where);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Prints JSON or a human line. */
export function output(io: CliIo, json: boolean | undefined, value: unknown, human: string): void {
  io.stdout(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

/**
 * Opens the database and the artifact storage an install's `serve` would use (flags over
 * DATABASE_URL / SNAPSHOTPLOT_STORAGE, else the data dir) for one command; always closes the store.
 */
export async function withInstall<T>(
  io: CliIo,
  o: { dataDir?: string; databaseUrl?: string; storage?: string },
  fn: (store: Store, storage: Storage, where: StoreLocation) => Promise<T>,
): Promise<T> {
  const { openStorage, resolveStorageSettings } = await import('../storage/open-storage.js');
  const where = storeOf(o.dataDir, io.env);
  if (o.databaseUrl) where.databaseUrl = o.databaseUrl;
  const { storage } = await openStorage(resolveStorageSettings({ storage: o.storage }, io.env), {
    dataDir: where.dataDir,
    maxUploadBytes: 5 * 1024 ** 3,
    now: io.now,
  });
  return withStore(where, (store) => fn(store, storage, where));
}
