/** `snapshotplot publish`: flags and help; the work is in ../publish/run.ts, loaded on use. */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { addServerOptions, byteSize, collect, positiveInt } from './options.js';

const EXAMPLES = `
Examples:
  $ snapshotplot publish --project proj_123 --title "Loss curve" --plot loss.png --code train.py
  $ snapshotplot publish --dir figures/ --collection nightly --tag ml --json
  $ snapshotplot publish --dir figures/ --code make_figures.py --concurrency 8
  $ snapshotplot publish --title "Accuracy" --plot acc.svg --dry-run

Repo, commit, branch, PR number and CI run are detected from the CI environment and git
when not given. SNAPSHOTPLOT_API_URL, SNAPSHOTPLOT_TOKEN and SNAPSHOTPLOT_PROJECT stand in
for --api-url, --token and --project.`;

/** Registers `publish`. */
export function publishCommand(program: Command, context: CommandContext): Command {
  const cmd = program
    .command('publish')
    .description('publish a plot (and the code that made it) as a snapshot')
    .option('--project <id>', 'project id (env SNAPSHOTPLOT_PROJECT)')
    .option('--title <title>', 'snapshot title (not with --dir: titles come from file names)')
    .option('--plot <file>', 'plot file: png, svg, jpg, webp, pdf, html or (vega) json')
    .option('--code <file>', 'code file that produced the plot (with --dir: for every plot)')
    .option(
      '--dir <dir>',
      'publish every plot file in this folder, each with its same-name code file',
    )
    .option('--collection <name>', 'collection to publish into (env SNAPSHOTPLOT_COLLECTION)')
    .option('--author <name>', 'author (env SNAPSHOTPLOT_AUTHOR)')
    .option('--description <text>', 'description')
    .option('--tag <tag>', 'tag; repeat or separate with commas', collect)
    .option('--repo <owner/name>', 'repository (default: detected)')
    .option('--commit <sha>', 'commit (default: detected)')
    .option('--branch <name>', 'branch (default: detected)')
    .option('--pr <number>', 'pull request number (default: detected)', positiveInt)
    .option('--replace', 'start a new snapshot even if one with this commit and title is ready')
    .option('--concurrency <n>', 'snapshots published at once with --dir', positiveInt, 4)
    .option('--max-file-size <size>', 'refuse larger files before uploading, e.g. 50MB', byteSize)
    .option('--json', 'print one JSON object (an array with --dir) on stdout')
    .option('--dry-run', 'check the files and print the request that would be sent; send nothing');
  addServerOptions(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (opts) => {
      const { runPublish } = await import('../publish/run.js');
      await runPublish(opts, context.io, context.errors);
    });
  return cmd;
}
