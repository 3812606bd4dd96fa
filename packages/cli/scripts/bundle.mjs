// Bundles the CLI into dist/bin.js (plus lazily loaded chunks) so start-up does not resolve
// and compile dozens of modules: `snapshotplot --version` must start well under 150 ms.
// tsc -b still type-checks and emits the per-file build; this overwrites dist/bin.js.
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: drop the previous build's so they do not pile up.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { bin: 'src/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true, // keeps the commands' dynamic imports lazy: --version never loads zod or undici
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  legalComments: 'none',
  // esbuild inlines the shebang of src/bin.ts; CommonJS dependencies need `require` in ESM.
  banner: {
    js: "import { createRequire as __snapshotplotCreateRequire } from 'node:module'; const require = __snapshotplotCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// So `./dist/bin.js` runs directly too (package managers set this on install).
chmodSync('dist/bin.js', 0o755);
