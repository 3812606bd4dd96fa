/** `snapshotplot-server migrate`: applies pending schema migrations and exits. */
import type { Command } from 'commander';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withStore } from './io.js';

export function migrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description(
      'apply pending database migrations (serve also applies them at start-up); PostgreSQL with --database-url or DATABASE_URL',
    )
    .option('--json', 'print {"backend","status"}')
    .action(async (o: { json?: boolean }) => {
      const where = resolveInstall(o, io.env);
      // Opening a store applies the migrations (under kysely's migration lock).
      const backend = await withStore(where, async (store) => store.dialect);
      const target = backend === 'postgres' ? 'PostgreSQL' : `SQLite in ${where.dataDir}`;
      output(io, o.json, { backend, status: 'ok' }, `Database schema up to date (${target}).`);
    });
}
