/** Entry point of the bundled action: wire the runner's process to run(). */
import * as core from '@actions/core';
import { context } from '@actions/github';
import { run } from './run.js';

// run() reports every failure through core.setFailed, which sets the exit code.
void run({ env: process.env, context, core });
