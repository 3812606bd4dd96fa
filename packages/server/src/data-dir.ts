/**
 * The data dir holds the server secret, the SQLite database (token hashes, webhook secrets,
 * every row) and the artifacts: nobody but the server's user has a reason to read it. Created
 * 0700 with 0600 files; a data dir or file left looser by an earlier version is tightened.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Creates `dir` (and missing parents) 0700, or tightens an existing one to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
}

/**
 * Removes any permission bit outside `mode` from an existing path. Not ours to change (a
 * mount point owned by root) or gone: left as it is, the server still works.
 */
export function tighten(path: string, mode: number): void {
  try {
    const current = statSync(path).mode & 0o777;
    if ((current & ~mode) !== 0) chmodSync(path, current & mode);
  } catch {
    // ENOENT (a WAL not created yet) or EPERM: nothing to tighten here.
  }
}
