/** Spawns the built CLI (dist/bin.js) with a clean environment, as a user's shell would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Only PATH and HOME pass through from the test's own environment, so the CI the tests run in
 * (GITHUB_ACTIONS, CI, …) never leaks into detection.
 */
export function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
}

/** Starts the CLI; `done` resolves when it exits. `onStderr` sees stderr as it arrives. */
export function spawnCli(
  args: string[],
  o: {
    cwd: string;
    env?: Record<string, string>;
    onStderr?: (all: string, child: ChildProcess) => void;
  },
): { child: ChildProcess; done: Promise<CliRun> } {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: o.cwd,
    env: cliEnv(o.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    o.onStderr?.(stderr, child);
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started }),
    );
  });
  return { child, done };
}

/** Runs the CLI to the end. */
export function runCli(
  args: string[],
  o: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  return spawnCli(args, o).done;
}
