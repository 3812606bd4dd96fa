/** `snapshotplot-server export --to DIR` and `import --from DIR` (data/transfer.ts). */
import type { Command } from 'commander';
import type { Store } from '../data/store.js';
import type { TransferSummary } from '../data/transfer.js';
import type { TransferKeys } from '../data/transfer-secrets.js';
import { loadSecret } from '../secret.js';
import type { Storage } from '../storage/storage.js';
import { type CliIo, output, withInstall } from './io.js';

interface Flags {
  dataDir?: string;
  databaseUrl?: string;
  storage?: string;
  json?: boolean;
}

/** Runs `fn` with the store and storage that serve would use for the same flags and env. */
/** The install's store and storage, and the secret serve would use there. */
function withTransferInstall<T>(
  io: CliIo,
  o: Flags,
  fn: (store: Store, storage: Storage, keys: TransferKeys) => Promise<T>,
): Promise<T> {
  return withInstall(io, o, (store, storage, where) =>
    // Webhook secrets are sealed under a key derived from the server secret. An import into a
    // new install may make it (serve on that data dir then uses the same one).
    fn(store, storage, {
      serverSecret: loadSecret(where.dataDir, io.env.SNAPSHOTPLOT_SECRET || undefined),
    }),
  );
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
    const summary = await withTransferInstall(io, o, (store, storage, keys) =>
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
    const summary = await withTransferInstall(io, o, (store, storage, keys) =>
      importFrom(store, storage, o.from, keys),
    );
    output(io, o.json, summary, `Imported ${o.from}: ${describe(summary)}.`);
  });
}
