/**
 * The server's pixel differ: pixelDiff with the server's limits, at most `concurrency` pairs
 * at once (others wait their turn), so a comparison of many plots cannot take every core.
 * sharp decodes and encodes on libuv's thread pool; pixelmatch's count runs on this thread.
 */
import { type DiffLimits, type DiffSide, type PixelDiffResult, pixelDiff } from './pixel-diff.js';

export function createDiffer(o: DiffLimits & { concurrency: number }) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (base: DiffSide, head: DiffSide): Promise<PixelDiffResult> => {
    // A finishing pair hands its slot straight to the next waiting one.
    if (running < o.concurrency) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await pixelDiff(base, head, o);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
