/** Entry point of the bundled action: wire the runner's process to run(). */
import * as core from '@actions/core';
import { context } from '@actions/github';
import { run } from './run.js';

// run() reports every failure through core.setFailed, which sets the exit code; the catch is
// a last resort so that even a bug ends in one annotation rather than a stack trace.
run({ env: process.env, context, core }).catch((err: unknown) => {
  core.setFailed(`snapshotplot action failed: ${err instanceof Error ? err.message : String(err)}`);
});
