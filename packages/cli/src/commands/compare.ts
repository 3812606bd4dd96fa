/** `snapshotplot compare`: flags and help; the work is in ../read/compare.ts, loaded on use. */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { addServerOptions, positiveInt } from './options.js';

const EXAMPLES = `
Examples:
  $ snapshotplot compare --base origin/main
  $ snapshotplot compare --base main --head 4f2a9c1 --json | jq .summary
  $ snapshotplot compare --base origin/main --fail-on-change   # exit 5 on unapproved changes

The head's publishing is declared done (so removed plots are listed); --no-complete only reads.`;

/** Registers `compare`. */
export function compareCommand(program: Command, context: CommandContext): Command {
  const cmd = program
    .command('compare')
    .description("compare a commit's plots with their baselines (the review table)")
    .requiredOption(
      '--base <ref>',
      'what the head is compared with: a branch or commit; the merge base comes from git merge-base',
    )
    .option('--head <sha>', 'the head commit (default HEAD)')
    .option(
      '--base-branch <name>',
      'branch baselines fall back to (default from --base, else the project default)',
    )
    .option('--project <id>', 'project id (env SNAPSHOTPLOT_PROJECT)')
    .option('--pr <number>', 'the pull request, recorded with the comparison', positiveInt)
    .option('--json', 'print the comparison as JSON on stdout')
    .option('--fail-on-change', 'exit 5 when plots changed or were removed without approval')
    .option('--no-complete', "only read the comparison; do not declare the head's publishing done");
  addServerOptions(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (opts) => {
      const { runCompare } = await import('../read/compare.js');
      await runCompare(opts, context.io, context.errors);
    });
  return cmd;
}
