/**
 * The CLI as a function: argv and io in, exit code out. Builds the commander program, runs it,
 * and turns any failure into a message and an exit code — the one place that does so.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { compareCommand } from './commands/compare.js';
import type { CommandContext } from './commands/context.js';
import { listCommand } from './commands/list.js';
import { publishCommand } from './commands/publish.js';
import { showCommand } from './commands/show.js';
import { EXIT, toCliError } from './errors.js';
import type { CliIo } from './io.js';

/** The CLI package's version from the package.json one folder above `base` (src/ or dist/bin.js). */
export function cliVersion(base: string | URL = import.meta.url): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', base), 'utf8'));
  return String(pkg.version);
}

/** The commander program with every command registered. */
export function createProgram(context: CommandContext, version = cliVersion()): Command {
  const { io } = context;
  const program = new Command('snapshotplot')
    .description('Publish plots and the code that made them to a snapshotplot server.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ snapshotplot publish --project proj_123 --title "Loss curve" --plot loss.png --code train.py
  $ snapshotplot publish --dir figures/ --json
  $ snapshotplot list --branch main
  $ snapshotplot show snap_01JD4Q8Z3K9XW7
  $ snapshotplot compare --base origin/main --fail-on-change

Environment: SNAPSHOTPLOT_API_URL, SNAPSHOTPLOT_TOKEN, SNAPSHOTPLOT_PROJECT (see README).
Exit codes: 0 ok, 2 usage or invalid input, 3 authentication, 4 server or network,
5 unapproved plot changes (compare --fail-on-change), 1 other.`,
    );
  publishCommand(program, context);
  listCommand(program, context);
  showCommand(program, context);
  compareCommand(program, context);
  return program;
}

/** Runs the CLI; resolves the exit code. Never throws. */
export async function run(argv: string[], io: CliIo, version?: string): Promise<number> {
  const debug = argv.includes('--debug') || !!io.env.SNAPSHOTPLOT_DEBUG;
  const context: CommandContext = { io: { ...io, debug }, errors: {} };
  try {
    await createProgram(context, version).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    const cliError = await toCliError(err, context.errors);
    if (!cliError.printed) io.stderr.write(`error: ${cliError.message}\n`);
    if (debug && cliError.exitCode !== EXIT.ok) {
      const cause = cliError.cause instanceof Error ? cliError.cause : cliError;
      io.stderr.write(`${cause.stack ?? String(cause)}\n`);
    }
    return cliError.exitCode;
  }
}
