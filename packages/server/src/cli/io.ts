/** What a command needs from the outside world (injectable for tests), and opening the install. */
import type { StoreLocation } from '../data/open-store.js';
import type { Store } from '../data/store.js';
import type { InstallSettings } from '../settings/options.js';
import type { Storage } from '../storage/storage.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => Date;
  /** Resolves once the server has stopped (serve) — lets the entry wait. */
  onServing?: (stop: () => Promise<void>) => void;
}

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
 * Opens the database and the artifact storage `serve` would use for the same install settings
 * (settings/options.ts) for one command; always closes the store.
 */
export async function withInstall<T>(
  io: CliIo,
  install: InstallSettings,
  fn: (store: Store, storage: Storage) => Promise<T>,
): Promise<T> {
  const { openStorage } = await import('../storage/open-storage.js');
  const { storageSettingsOf } = await import('../settings/storage.js');
  const { storage } = await openStorage(storageSettingsOf(install), {
    dataDir: install.dataDir,
    maxUploadBytes: 5 * 1024 ** 3,
    now: io.now,
  });
  return withStore(install, (store) => fn(store, storage));
}
