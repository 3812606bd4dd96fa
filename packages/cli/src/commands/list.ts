/** `snapshotplot list`: flags and help; the work is in ../read/list.ts, loaded on use. */
import { type Command, Option } from 'commander';
import type { CommandContext } from './context.js';
import { addServerOptions, positiveInt } from './options.js';

const EXAMPLES = `
Examples:
  $ snapshotplot list --project proj_123
  $ snapshotplot list --branch main --collection nightly --limit 50
  $ snapshotplot list --pr 42 --json | jq -r '.data[].plot_url'`;

/** Registers `list`. */
export function listCommand(program: Command, context: CommandContext): Command {
  const cmd = program
    .command('list')
    .description("list a project's snapshots, newest first")
    .option('--project <id>', 'project id (env SNAPSHOTPLOT_PROJECT)')
    .option('--collection <name>', 'only this collection (env SNAPSHOTPLOT_COLLECTION)')
    .option('--branch <name>', 'only this branch')
    .option('--commit <sha>', 'only this commit')
    .option('--pr <number>', 'only this pull request', positiveInt)
    .option('--tag <tag>', 'only snapshots with this tag')
    .addOption(
      new Option('--status <status>', 'only pending or ready snapshots').choices([
        'pending',
        'ready',
      ]),
    )
    .option('--limit <n>', 'how many to show', positiveInt, 20)
    .option('--json', 'print {"data": [...], "next_cursor": ...} on stdout');
  addServerOptions(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (opts) => {
      const { runList } = await import('../read/list.js');
      await runList(opts, context.io, context.errors);
    });
  return cmd;
}
