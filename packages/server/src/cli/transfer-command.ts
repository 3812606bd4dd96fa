/** `snapshotplot-server export --to DIR` and `import --from DIR` (data/transfer.ts). */
import type { Command } from 'commander';
import type { TransferSummary } from '../data/transfer.js';
import type { TransferKeys } from '../data/transfer-secrets.js';
import { loadSecret } from '../secret.js';
import type { Storage } from '../storage/storage.js';
import { type CliIo, output, storeOf, withStore } from './io.js';

interface Flags {
  dataDir?: string;
  databaseUrl?: string;
  storage?: string;
  json?: boolean;
}

/** Runs `fn` with the store and storage that serve would use for the same flags and env. */
async function withInstall<T>(
  io: CliIo,
  o: Flags,
  fn: (
    store: Parameters<Parameters<typeof withStore>[1]>[0],
    storage: Storage,
    keys: TransferKeys,
  ) => Promise<T>,
): Promise<T> {
  const { openStorage, resolveStorageSettings } = await import('../storage/open-storage.js');
  const where = storeOf(o.dataDir, io.env);
  if (o.databaseUrl) where.databaseUrl = o.databaseUrl;
  const settings = resolveStorageSettings({ storage: o.storage }, io.env);
  const { storage } = await openStorage(settings, {
    dataDir: where.dataDir,
    maxUploadBytes: 5 * 1024 ** 3,
    now: io.now,
  });
  // The secret serve would use: webhook secrets are sealed under a key derived from it. An
  // import into a new install may make it (serve on that data dir then uses the same one).
  const keys = { serverSecret: loadSecret(where.dataDir, io.env.SNAPSHOTPLOT_SECRET || undefined) };
  return withStore(where, (store) => fn(store, storage, keys));
}

const describe = (s: TransferSummary) =>
  `${Object.entries(s.tables)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ')}; ${s.artifacts} artifact files (${s.bytes} bytes), hashes verified`;

function options(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data directory (env SNAPSHOTPLOT_DATA_DIR)')
    .option(
      '--database-url <url>',
      'postgres://… (env DATABASE_URL); default SQLite in the data dir',
    )
    .option('--storage <url>', 'local or s3://BUCKET/PREFIX (env SNAPSHOTPLOT_STORAGE, AWS_*)')
    .option('--json', 'print the row counts and file totals as JSON');
}

export function transferCommands(program: Command, io: CliIo): void {
  options(
    program
      .command('export')
      .description('write every row and artifact to a directory (stop the server first)')
      .requiredOption('--to <dir>', 'new or empty directory'),
  ).action(async (o: Flags & { to: string }) => {
    const { exportTo } = await import('../data/transfer.js');
    const summary = await withInstall(io, o, (store, storage, keys) =>
      exportTo(store, storage, o.to, io.now(), keys),
    );
    output(io, o.json, summary, `Exported to ${o.to}: ${describe(summary)}.`);
  });
  options(
    program
      .command('import')
      .description('load an export into a new, empty database and storage')
      .requiredOption('--from <dir>', 'a directory written by export'),
  ).action(async (o: Flags & { from: string }) => {
    const { importFrom } = await import('../data/transfer.js');
    const summary = await withInstall(io, o, (store, storage, keys) =>
      importFrom(store, storage, o.from, keys),
    );
    output(io, o.json, summary, `Imported ${o.from}: ${describe(summary)}.`);
  });
}
