/**
 * Highlighting for the gallery's code panel: off the event loop in the worker pool, within a
 * time budget, and cached per artifact sha256 with both outcomes, so a crafted file costs one
 * budget once however often it is viewed.
 */
import { createByteLru, stringBytes } from './highlight-cache.js';
import { createHighlightPool, type PoolStats } from './worker-pool.js';

/** Threads, queue and cache; fixed rather than flags (the budget is the knob that matters). */
export const HIGHLIGHT_DEFAULTS = { threads: 2, maxQueue: 32, cacheBytes: 32 * 1024 * 1024 };

export interface HighlighterOptions {
  timeoutMs: number;
  threads?: number;
  maxQueue?: number;
  cacheBytes?: number;
  workerUrl?: URL;
}

export interface CodeRequest {
  /** Of the stored artifact: the cache key with the language. */
  sha256: string;
  language: string;
  notebook: boolean;
  /** Reads the text; not called on a cache hit. */
  read: () => Promise<string>;
}

/**
 * `highlighted`: `html` is highlight.js markup (it escapes its input). Otherwise `source` is
 * the plain text to escape and show, and the outcome says why: over budget, the highlighter
 * failed on it, or (not cached, as they say nothing about the file) every thread was busy
 * or no thread could start.
 */
export type CodeRender = { cached: boolean } & (
  | { outcome: 'highlighted'; html: string }
  | { outcome: 'too_slow' | 'failed' | 'busy'; source: string }
  | { outcome: 'unavailable'; source: string; message: string }
);

type Cached =
  | { outcome: 'highlighted'; html: string }
  | { outcome: 'too_slow' | 'failed'; source: string };

/** A highlighter whose threads start on first use; close() stops them. */
export function createHighlighter(o: HighlighterOptions) {
  const pool = createHighlightPool({
    threads: o.threads ?? HIGHLIGHT_DEFAULTS.threads,
    maxQueue: o.maxQueue ?? HIGHLIGHT_DEFAULTS.maxQueue,
    timeoutMs: o.timeoutMs,
    ...(o.workerUrl ? { workerUrl: o.workerUrl } : {}),
  });
  const cache = createByteLru<Cached>(o.cacheBytes ?? HIGHLIGHT_DEFAULTS.cacheBytes);
  // Concurrent views of one file share one run instead of each spending a budget.
  const inFlight = new Map<string, Promise<CodeRender>>();
  let cacheHits = 0;

  async function compute(key: string, req: CodeRequest): Promise<CodeRender> {
    const text = await req.read();
    const r = await pool.run({ text, language: req.language, notebook: req.notebook });
    if (r.status === 'ok') {
      cache.set(key, { outcome: 'highlighted', html: r.html }, stringBytes(r.html));
      return { cached: false, outcome: 'highlighted', html: r.html };
    }
    if (r.status === 'timeout' || r.status === 'failed') {
      const outcome = r.status === 'timeout' ? 'too_slow' : 'failed';
      cache.set(key, { outcome, source: r.source }, stringBytes(r.source));
      return { cached: false, outcome, source: r.source };
    }
    if (r.status === 'unavailable') {
      return { cached: false, outcome: 'unavailable', source: text, message: r.message };
    }
    return { cached: false, outcome: 'busy', source: text };
  }

  return {
    /** The code's markup or the reason it is plain; never rejects unless `read` does. */
    async render(req: CodeRequest): Promise<CodeRender> {
      const key = `${req.sha256}:${req.language}:${req.notebook ? 'nb' : 'src'}`;
      const hit = cache.get(key);
      if (hit) {
        cacheHits++;
        return { cached: true, ...hit };
      }
      let pending = inFlight.get(key);
      if (!pending) {
        pending = compute(key, req).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    stats: (): PoolStats & { cacheHits: number; cacheBytes: number } => ({
      ...pool.stats(),
      cacheHits,
      cacheBytes: cache.size(),
    }),
    close: () => pool.close(),
  };
}

export type Highlighter = ReturnType<typeof createHighlighter>;
