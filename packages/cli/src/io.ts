/** Everything the CLI touches outside itself, passed in so tests can run it in-process. */
import type { Env } from '@snapshotplot/core';

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  env: Env;
  cwd: string;
  stdout: OutStream;
  stderr: OutStream;
  /** Reads a text file (the CI event payload). */
  readFile(path: string): string;
  /** Milliseconds, monotonic enough for rates. */
  now(): number;
  /** The client's fetch; the global one when absent. */
  fetch?: typeof globalThis.fetch;
  /** --debug (or SNAPSHOTPLOT_DEBUG): set by run(); the client then prints request timings. */
  debug?: boolean;
}

/** Whether stderr is a person's terminal: a TTY and not a CI log that merely looks like one. */
export function isInteractive(io: CliIo): boolean {
  const ci = io.env.CI?.toLowerCase();
  return !!io.stderr.isTTY && ci !== 'true' && ci !== '1' && io.env.TERM !== 'dumb';
}
