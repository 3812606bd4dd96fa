/** `snapshotplot-server project create|list`. */
import { IdSchema } from '@snapshotplot/api-client';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { newId } from '../ids.js';
import { type CliIo, output, storeOf, withStore } from './io.js';

export function projectCommand(program: Command, io: CliIo): void {
  const project = program.command('project').description('manage projects');
  project
    .command('create')
    .description('create a project')
    .requiredOption('--name <name>', 'display name')
    .option('--id <id>', 'project id (default: generated proj_…)')
    .option('--data-dir <dir>', 'data directory (env SNAPSHOTPLOT_DATA_DIR)')
    .option('--json', 'print {"id","name"}')
    .action(async (o: { name: string; id?: string; dataDir?: string; json?: boolean }) => {
      const name = o.name.trim();
      if (!name || name.length > 200) throw new CliError('--name must be 1-200 characters.', 2);
      if (o.id !== undefined && !IdSchema.safeParse(o.id).success) {
        throw new CliError(
          `--id "${o.id}" is not valid: use 1-64 characters of A-Z, a-z, 0-9, "_" or "-".`,
          2,
        );
      }
      const now = io.now();
      const id = o.id ?? newId('proj', now.getTime());
      await withStore(storeOf(o.dataDir, io.env), async (store) => {
        const created = await store.createProject({
          id,
          name,
          owner_id: null,
          created_at: now.toISOString(),
        });
        if (!created)
          throw new CliError(`A project with id ${id} already exists: choose another --id.`);
      });
      output(io, o.json, { id, name }, `Created project ${name} (${id}).`);
    });
  project
    .command('list')
    .description('list projects')
    .option('--data-dir <dir>', 'data directory (env SNAPSHOTPLOT_DATA_DIR)')
    .option('--json', 'print a JSON array')
    .action(async (o: { dataDir?: string; json?: boolean }) => {
      const rows = await withStore(storeOf(o.dataDir, io.env), (s) => s.listProjects());
      const list = rows.map((r) => ({ id: r.id, name: r.name, created_at: r.created_at }));
      output(io, o.json, list, list.map((p) => `${p.id}\t${p.name}`).join('\n') || 'No projects.');
    });
}
