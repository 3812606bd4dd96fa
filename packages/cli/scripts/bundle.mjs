// Bundles the CLI into dist/bin.js (plus lazily loaded chunks) so start-up does not resolve
// and compile dozens of modules: `snapshotplot --version` must start well under 150 ms.
// tsc -b still type-checks and emits the per-file build; this overwrites dist/bin.js.
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// Chunk names carry content hashes: drop the previous build's so they do not pile up.
rmSync('dist/chunks', { recursive: true, force: true });

// zod's `z` namespace re-exports every locale (`z.locales.*`, ~360 KB of the bundle), and esbuild
// cannot drop a namespace re-export. The CLI only uses English, which zod loads itself, so its
// locale index resolves to English alone (loading ~10 ms less per run). `z.locales.fr` and the
// like are undefined in the bundle; test/bundle.test.ts checks that nothing else is lost.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: join(args.importer, '../../locales/en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: '/',
    }));
  },
};

const result = await build({
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
  metafile: true,
  plugins: [zodEnglishOnly],
});
// So `./dist/bin.js` runs directly too (package managers set this on install).
chmodSync('dist/bin.js', 0o755);

// The bundle carries its dependencies (so the package declares none): ship their licenses.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  if (input.startsWith('zod-en:')) continue; // the plugin's stand-in, not a package
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!m || packages.has(m[1])) continue;
  const dir = m[1];
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  packages.set(dir, {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license,
    text: file ? readFileSync(join(dir, file), 'utf8').trim() : null,
  });
}
const workspace = new Set(['@snapshotplot/api-client', '@snapshotplot/core']);
const notices = [...packages.values()]
  .filter((p) => !workspace.has(p.name))
  .sort((a, b) => a.name.localeCompare(b.name))
  .map(
    (p) =>
      `${p.name}@${p.version} (${p.license ?? 'see below'})\n\n${p.text ?? '(no license file in the package)'}`,
  );
writeFileSync(
  'dist/THIRD-PARTY-LICENSES.txt',
  `Third-party code bundled into dist/bin.js and dist/chunks/ (the snapshotplot packages are MIT, see LICENSE):\n\n${notices.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`,
);
