/**
 * 405 with `Allow` for a known path asked with a method it does not take (RFC 9110 15.5.6),
 * computed from the contract so the list can never disagree with the routes it mounts.
 */
import { ARTIFACT_KINDS, contract } from '@snapshotplot/api-client/contract';

/** Paths mounted beside the contract's (routes-meta.ts). */
const EXTRA: ReadonlyArray<{ method: string; path: string }> = [
  { method: 'GET', path: '/openapi.json' },
];

const SEGMENT: Record<string, string> = { kind: `(?:${ARTIFACT_KINDS.join('|')})` };

function templates(): Array<{ pattern: RegExp; methods: Set<string> }> {
  const byPath = new Map<string, Set<string>>();
  for (const e of [...Object.values(contract), ...EXTRA]) {
    const methods = byPath.get(e.path) ?? new Set<string>();
    methods.add(e.method);
    // Express answers HEAD from every GET route.
    if (e.method === 'GET') methods.add('HEAD');
    byPath.set(e.path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(
      `^${path.replace(/:([a-z_]+)/g, (_m, name: string) => SEGMENT[name] ?? '[A-Za-z0-9_-]{1,64}')}$`,
    ),
    methods,
  }));
}

let cache: ReturnType<typeof templates> | undefined;

/** The methods a path takes (sorted, for `Allow`), or none when no route has that path. */
export function allowedMethods(path: string): string[] {
  cache ??= templates();
  const allowed = new Set<string>();
  for (const t of cache) if (t.pattern.test(path)) for (const m of t.methods) allowed.add(m);
  return [...allowed].sort();
}
