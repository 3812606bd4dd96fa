/**
 * The default --max-connections. A fixed 1024 would be above the descriptor limit of a
 * process started under a low `ulimit -n` (256 in the reported case), and then sockets take
 * every descriptor: accept fails with EMFILE and so do the database, temp files and S3
 * sockets a request needs. Half the soft limit leaves a descriptor for each connection's
 * temp file or outbound socket; Node already raises the soft limit to the hard one at start.
 */
import { readFileSync } from 'node:fs';

const CEILING = 1024;

/** min(1024, soft descriptor limit / 2); 1024 where the limit cannot be read (not Linux). */
export function defaultMaxConnections(
  readLimits: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readLimits());
    if (m) return Math.max(8, Math.min(CEILING, Math.floor(Number(m[1]) / 2)));
  } catch {
    // No /proc: keep the ceiling.
  }
  return CEILING;
}
