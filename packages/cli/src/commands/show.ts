/** `snapshotplot show SNAPSHOT_ID`: flags and help; the work is in ../read/show.ts. */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { addServerOptions } from './options.js';

const EXAMPLES = `
Examples:
  $ snapshotplot show snap_01JD4Q8Z3K9XW7
  $ snapshotplot show snap_01JD4Q8Z3K9XW7 --json | jq -r .plot_url`;

/** Registers `show`. */
export function showCommand(program: Command, context: CommandContext): Command {
  const cmd = program
    .command('show')
    .description('show one snapshot: metadata, files and links')
    .argument('<snapshot-id>', 'the snapshot id, e.g. snap_01JD4Q8Z3K9XW7')
    .option('--json', 'print the snapshot as JSON on stdout');
  addServerOptions(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (id: string, opts) => {
      const { runShow } = await import('../read/show.js');
      await runShow(id, opts, context.io, context.errors);
    });
  return cmd;
}
