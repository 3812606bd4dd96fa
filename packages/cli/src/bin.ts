#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { cliVersion, run } from './main.js';

// Node's fetch parses HTTP with llhttp compiled to WebAssembly, and V8's optimising compile of
// it runs in the background: every short CLI run waited ~75 ms for it at exit (bench/README.md).
// The baseline compiler (Liftoff) is plenty for a handful of requests.
setFlagsFromString('--liftoff-only');

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
