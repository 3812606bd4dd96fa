/**
 * The `snapshotplot-server` command tree. Every command opens the install, so every leaf
 * command gets the one shared install option set (`--data-dir`, `--database-url`,
 * `--storage`, the S3 connection) here, after the command files declared their own flags.
 */
import { Command } from 'commander';
import { installOptions } from '../settings/options.js';
import { VERSION } from '../version.js';
import type { CliIo } from './io.js';
import { loginLinkCommand } from './login-link-command.js';
import { memberCommand } from './member-command.js';
import { migrateCommand } from './migrate-command.js';
import { projectCommand } from './project-command.js';
import { retentionCommand } from './retention-command.js';
import { serveCommand } from './serve-command.js';
import { thumbnailsCommand } from './thumbnails-command.js';
import { tokenCommand } from './token-command.js';
import { transferCommands } from './transfer-command.js';
import { trustCommand } from './trust-command.js';
import { webhookCommand } from './webhook-command.js';

/** The commands that run something (not groups such as `project`). */
export function leafCommands(cmd: Command): Command[] {
  return cmd.commands.length === 0 ? [cmd] : cmd.commands.flatMap(leafCommands);
}

/** A fresh program wired to `io` (commander state is per instance, so tests can build many). */
export function buildProgram(io: CliIo): Command {
  const program = new Command('snapshotplot-server')
    .description('Self-hosted snapshotplot backend: SQLite + local disk.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  serveCommand(program, io);
  projectCommand(program, io);
  tokenCommand(program, io);
  memberCommand(program, io);
  webhookCommand(program, io);
  retentionCommand(program, io);
  loginLinkCommand(program, io);
  trustCommand(program, io);
  migrateCommand(program, io);
  transferCommands(program, io);
  thumbnailsCommand(program, io);
  for (const cmd of leafCommands(program)) installOptions(cmd, io.env);
  return program;
}
