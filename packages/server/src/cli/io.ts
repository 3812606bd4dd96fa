/** What a command needs from the outside world, injectable for tests. */
import type { Store } from '../data/store.js';

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

/** Opens the data dir's store for one admin command and always closes it. */
export async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const { openSqlite } = await import('../data/sqlite.js');
  const { createStore } = await import('../data/store.js');
  const store = createStore(await openSqlite(dataDir));
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
