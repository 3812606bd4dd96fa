#!/usr/bin/env node
/**
 * Entry point: runs the command, handles signals, and is the one place that turns a failure
 * into one line on stderr and an exit code — commander's usage errors 2, a CliError (or one of
 * its typed kinds: ConfigError 2, UnavailableError and TransferError 1) its code, anything else 1.
 * Nothing below this file exits or writes to the process's stderr.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { CliError } from './errors.js';

/** A one-line description of anything thrown (an Error with an empty message, null, ...). */
const describe = (error: unknown) =>
  error instanceof Error && error.message ? error.message : String(error);

let stopServer: (() => Promise<void>) | undefined;
const program = buildProgram({
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  now: () => new Date(),
  onServing: (stop) => {
    stopServer = stop;
  },
});

async function shutdown(signal: string): Promise<void> {
  if (!stopServer) process.exit(0);
  process.stderr.write(`snapshotplot-server: ${signal}, finishing in-flight requests\n`);
  try {
    await stopServer();
  } catch (error) {
    // One line, not an unhandled rejection with a stack trace.
    process.stderr.write(`snapshotplot-server: shutdown failed: ${describe(error)}\n`);
    process.exitCode = 1;
  }
  // Exit with exitCode (0 unless the shutdown failed), even if a failed shutdown left handles open.
  process.exit();
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

// Started by `npx snapshotplot-server serve` (npm exec, which sets npm_command=exec): a service
// manager's SIGTERM reaches npm's wrapper, which exits and would leave this server running with
// no parent. Leave with it: when the parent is gone (reparented), shut down as on SIGTERM.
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent process exited');
  }, 500).unref();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof CliError) {
    process.stderr.write(`snapshotplot-server: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`snapshotplot-server: ${describe(error)}\n`);
    process.exitCode = 1;
  }
}
