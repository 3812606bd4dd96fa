/**
 * The one set of value readers: raw environment strings, webhook payload fields and
 * @actions/github context values all become clean optional values through these.
 */
import type { CiMetadata } from '@snapshotplot/api-client/contract';
import type { CiContext, SourceContext } from './ci/types.js';

/** The trimmed string, or undefined when unset, blank or not a string (CI exports empty variables). */
export function str(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v ? v : undefined;
}

/** A positive integer, or undefined for anything else ("false", "", "0", "12abc"). */
export function posInt(value: unknown): number | undefined {
  const s = typeof value === 'number' ? String(value) : str(value);
  if (!s) return undefined;
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** `refs/heads/feature/x` -> `feature/x`; tags and other refs are not branches. */
export function branchFromRef(ref: unknown): string | undefined {
  const r = str(ref);
  if (!r) return undefined;
  if (r.startsWith('refs/heads/')) return str(r.slice('refs/heads/'.length));
  if (r.startsWith('refs/')) return undefined;
  return r;
}

/**
 * A hex commit id, lower-cased, or undefined (Buildkite may say "HEAD" before checkout; the
 * all-zero id of a deleted ref is no commit).
 */
export function sha(value: unknown): string | undefined {
  const v = str(value);
  return v && /^[0-9a-fA-F]{7,64}$/.test(v) && !/^0+$/.test(v) ? v.toLowerCase() : undefined;
}

/** An http(s) URL, or undefined, so a malformed value never fails the publish. */
export function httpUrl(value: unknown): string | undefined {
  const v = str(value);
  if (!v) return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** `group/sub/name` -> owner `group/sub`, name `name`. */
export function splitRepoPath(path: unknown): Pick<SourceContext, 'repo_owner' | 'repo_name'> {
  const p = str(path)
    ?.replace(/\.git$/, '')
    .replace(/^\/+|\/+$/g, '');
  if (!p) return {};
  const i = p.lastIndexOf('/');
  if (i <= 0) return { repo_name: p };
  return { repo_owner: p.slice(0, i), repo_name: p.slice(i + 1) };
}

/** Drops undefined fields so the result prints and compares cleanly. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A CiContext with undefined fields left out, at both levels. */
export function ciContext(source: SourceContext, ci: CiMetadata): CiContext {
  return { ...compact(source), ci: compact(ci) };
}

/** The value at a path of plain objects (a webhook payload), or undefined. */
export function at(root: unknown, ...path: string[]): unknown {
  let v = root;
  for (const key of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
