#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { cliVersion, run } from './main.js';

// Resolved from this file, which is dist/bin.js even when the rest is bundled into chunks.
const version = cliVersion(import.meta.url);

process.exitCode = await run(
  process.argv.slice(2),
  {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    readFile: (path) => readFileSync(path, 'utf8'),
    now: () => performance.now(),
  },
  version,
);
