// The package graph, the server's layers and "no cycles", checked on every `pnpm lint` (a
// small rule check in the spirit of dependency-cruiser, with no dependency): packages import
// only downward (cli -> core -> api-client, action -> core -> api-client, server ->
// api-client/contract), never by a relative path across packages/; inside the server no
// folder imports a layer above it (LAYERS); and no source file imports itself round a loop.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ALLOWED = {
  'api-client': [],
  core: ['@snapshotplot/api-client', '@snapshotplot/api-client/contract'],
  cli: ['@snapshotplot/core', '@snapshotplot/api-client', '@snapshotplot/api-client/contract'],
  action: ['@snapshotplot/core', '@snapshotplot/api-client', '@snapshotplot/api-client/contract'],
  server: ['@snapshotplot/api-client/contract', '@snapshotplot/api-client/openapi.json'],
};
// Server folders (under packages/server/src) and the folders each must not import. Routes
// (http, gallery) sit on the services (snapshots, events, webhooks), which sit on data and
// storage; server.ts, testing.ts, bin.ts and cli/ are the top and may import anything.
const LAYERS = {
  data: ['http', 'snapshots', 'comparisons', 'compare', 'events', 'gallery', 'cli', 'webhooks'],
  storage: ['http', 'snapshots', 'comparisons', 'compare', 'events', 'gallery', 'cli', 'webhooks'],
  // The pixel diff knows images only; the review services sit beside the snapshot ones.
  compare: ['http', 'snapshots', 'comparisons', 'events', 'gallery', 'cli', 'webhooks', 'data'],
  comparisons: ['http', 'gallery', 'cli'],
  snapshots: ['http', 'comparisons', 'gallery', 'cli'],
  events: ['http', 'gallery', 'cli'],
  http: ['gallery', 'cli'],
  gallery: ['cli'],
};
/** The top folder of a server source file ('' for files directly in src/). */
const serverLayer = (src, file) => {
  const parts = relative(src, file).split('/');
  return parts.length > 1 ? parts[0] : '';
};
const WORKSPACE = /^(@snapshotplot\/|snapshotplot(-server)?(\/|$))/;
const root = resolve(import.meta.dirname, '..');
const errors = [];
const files = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs)$/.test(n) ? [p] : [];
  });
const specs = (text) =>
  [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\)?\(\s*|^import\s+)['"]([^'"]+)['"]/gm)].map(
    (m) => m[1],
  );

for (const [pkg, allowed] of Object.entries(ALLOWED)) {
  const src = join(root, 'packages', pkg, 'src');
  const graph = new Map();
  for (const file of files(src)) {
    const deps = [];
    for (const spec of specs(readFileSync(file, 'utf8'))) {
      const where = relative(root, file);
      if (WORKSPACE.test(spec) && !allowed.includes(spec)) errors.push(`${where}: imports ${spec}`);
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (!target.startsWith(src))
          errors.push(`${where}: relative import out of its package: ${spec}`);
        const from = pkg === 'server' ? LAYERS[serverLayer(src, file)] : undefined;
        const to = serverLayer(src, target);
        if (from?.includes(to))
          errors.push(
            `${where}: imports ${spec}: ${serverLayer(src, file)}/ must not import ${to}/`,
          );
        deps.push(target);
      }
    }
    graph.set(file, deps);
  }
  // Static imports only: a lazy import() is how a command defers loading, not a layer.
  const state = new Map();
  const visit = (f, path) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      const loop = path
        .slice(path.indexOf(f))
        .concat(f)
        .map((p) => relative(root, p));
      errors.push(`import cycle: ${loop.join(' -> ')}`);
      return;
    }
    state.set(f, 'open');
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
}
if (errors.length) {
  console.error(`check-imports: ${errors.length} problem(s)\n${errors.join('\n')}`);
  process.exit(1);
}
console.log('check-imports: package graph, server layers and cycles ok');
