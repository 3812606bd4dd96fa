/** `snapshotplot-server export --to DIR` and `import --from DIR` (data/transfer.ts). */
import type { Command } from 'commander';
import type { Store } from '../data/store.js';
import type { TransferSummary } from '../data/transfer.js';
import type { TransferKeys } from '../data/transfer-secrets.js';
import { loadSecret } from '../secret.js';
import { resolveInstall } from '../settings/options.js';
import type { Storage } from '../storage/storage.js';
import { type CliIo, output, withInstall } from './io.js';

type Flags = { json?: boolean };

/** The install's store and storage, and the secret serve would use there. */
function withTransferInstall<T>(
  io: CliIo,
  o: Flags,
  fn: (store: Store, storage: Storage, keys: TransferKeys) => Promise<T>,
): Promise<T> {
  const install = resolveInstall(o, io.env);
  return withInstall(io, install, (store, storage) =>
    // Webhook secrets are sealed under a key derived from the server secret. An import into a
    // new install may make it (serve on that data dir then uses the same one).
    fn(store, storage, { serverSecret: loadSecret(install.dataDir, install.secret) }),
  );
}

const describe = (s: TransferSummary) =>
  `${Object.entries(s.tables)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ')}; ${s.artifacts} artifact files (${s.bytes} bytes), hashes verified`;

/** The install flags come from the shared set (program.ts). */
const options = (cmd: Command): Command =>
  cmd.option('--json', 'print the row counts and file totals as JSON');

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
