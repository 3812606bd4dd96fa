/** Small readers that turn raw environment strings into clean optional values. */
import type { CiMetadata } from '@snapshotplot/api-client';
import type { CiContext, SourceContext } from './types.js';

/** The trimmed value, or undefined when unset or blank (CI systems export empty variables). */
export function str(value: string | undefined | null): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** A positive integer, or undefined for anything else ("false", "", "0", "12abc"). */
export function posInt(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** `refs/heads/feature/x` -> `feature/x`; tags and other refs are not branches. */
export function branchFromRef(ref: string | undefined): string | undefined {
  const r = str(ref);
  if (!r) return undefined;
  if (r.startsWith('refs/heads/')) return str(r.slice('refs/heads/'.length));
  if (r.startsWith('refs/')) return undefined;
  return r;
}

/** A hex commit id, or undefined (Buildkite may say "HEAD" before checkout). */
export function sha(value: string | undefined | null): string | undefined {
  const v = str(value);
  return v && /^[0-9a-fA-F]{7,64}$/.test(v) ? v.toLowerCase() : undefined;
}

/** An http(s) URL, or undefined, so a malformed value never fails the publish. */
export function httpUrl(value: string | undefined): string | undefined {
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
export function splitRepoPath(
  path: string | undefined,
): Pick<SourceContext, 'repo_owner' | 'repo_name'> {
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
