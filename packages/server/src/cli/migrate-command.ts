/** `snapshotplot-server migrate`: applies pending schema migrations and exits. */
import type { Command } from 'commander';
import { type CliIo, output, storeOf, withStore } from './io.js';

export function migrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description(
      'apply pending database migrations (serve also applies them at start-up); PostgreSQL with --database-url or DATABASE_URL',
    )
    .option(
      '--database-url <url>',
      'postgres://… (env DATABASE_URL); default SQLite in the data dir',
    )
    .option('--data-dir <dir>', 'data directory (env SNAPSHOTPLOT_DATA_DIR)')
    .option('--json', 'print {"backend","status"}')
    .action(async (o: { databaseUrl?: string; dataDir?: string; json?: boolean }) => {
      const where = storeOf(o.dataDir, io.env);
      if (o.databaseUrl) where.databaseUrl = o.databaseUrl;
      // Opening a store applies the migrations (under kysely's migration lock).
      const backend = await withStore(where, async (store) => store.dialect);
      const target = backend === 'postgres' ? 'PostgreSQL' : `SQLite in ${where.dataDir}`;
      output(io, o.json, { backend, status: 'ok' }, `Database schema up to date (${target}).`);
    });
}
