#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import module from 'node:module';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';

// Node 22.1+ keeps V8's compiled code of the bundle on disk (in os.tmpdir()/node-compile-cache,
// or NODE_COMPILE_CACHE), so a run after the first skips compiling ~450 KB of chunks. It must
// be on before the chunks load, hence the dynamic import below. Node 20 has no such API.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// Node 20's fetch parses HTTP with llhttp compiled to WebAssembly, and V8's optimising compile
// of it runs in the background: every short CLI run waited ~75 ms for it at exit. The baseline
// compiler (Liftoff) is plenty for a handful of requests. On Node 24 the same flag makes a
// publish ~50 ms slower, so it is left to V8 there (bench/README.md, section 3).
if (Number(process.versions.node.split('.')[0]) < 24) setFlagsFromString('--liftoff-only');

const { cliVersion, run } = await import('./main.js');
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
