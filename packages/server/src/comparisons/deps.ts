/**
 * What the comparison services need, named (as snapshots/deps.ts): the store, the artifact
 * storage (plots in, difference images out), the clock and URL signer, the event wake-ups, the
 * pixel differ (a worker pool in a server), whether a gallery serves review pages, and the
 * GitHub status poster (null without --github-token).
 */
import type { DiffSide, PixelDiffResult } from '../compare/pixel-diff.js';
import type { Store } from '../data/store.js';
import type { Notify, UrlSigner } from '../snapshots/deps.js';
import type { Storage } from '../storage/storage.js';
import type { GithubStatuses } from './github.js';

/** Compares two plots pixel by pixel; never rejects. */
export type PixelDiffer = (base: DiffSide, head: DiffSide) => Promise<PixelDiffResult>;

export interface ComparisonDeps {
  store: Store;
  storage: Storage;
  now: () => Date;
  signer: UrlSigner;
  events: Notify;
  diff: PixelDiffer;
  /** Whether the server serves the gallery (`review_url` is null otherwise). */
  gallery: boolean;
  github: GithubStatuses | null;
  /** Where a failed GitHub status is reported (it never fails the review). */
  warn: (details: Record<string, unknown>, message: string) => void;
}
