/** The `snapshotplot-server` command tree. */
import { Command } from 'commander';
import { loginLinkCommand } from '../gallery/login-link-command.js';
import { VERSION } from '../version.js';
import type { CliIo } from './io.js';
import { memberCommand } from './member-command.js';
import { migrateCommand } from './migrate-command.js';
import { projectCommand } from './project-command.js';
import { retentionCommand } from './retention-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCommand } from './token-command.js';
import { transferCommands } from './transfer-command.js';
import { trustCommand } from './trust-command.js';
import { webhookCommand } from './webhook-command.js';

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
  return program;
}
