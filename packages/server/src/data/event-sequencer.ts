/**
 * Runs `sequenceEvents` (store-events.ts) for a PostgreSQL process, coalesced: a caller waits
 * for a run that starts after its call (so it covers the events the caller just committed),
 * and callers arriving while one runs share the next one. Under 32 concurrent publishes that
 * is one or two sequencing statements in flight per process, not one per publish.
 */

export interface EventSequencer {
  /** Resolves once a run that started after this call finished, with the projects it sequenced. */
  run(): Promise<string[]>;
  /**
   * Every `ms`, a run (events of a writer that died before sequencing), handing its projects
   * to `onRun`; returns the stop.
   */
  every(
    ms: number,
    onRun: (projects: string[]) => void,
    onError: (error: unknown) => void,
  ): () => void;
}

/** A coalescing sequencer over `once` (one sequencing statement; its projects). */
export function createSequencer(once: () => Promise<string[]>): EventSequencer {
  /** Settles (never rejects) when the run in flight is over; null when none is. */
  let current: Promise<void> | null = null;
  let next: Promise<string[]> | null = null;
  const start = (): Promise<string[]> => {
    const run = once();
    const settled: Promise<void> = run.then(
      () => {},
      () => {},
    );
    current = settled;
    void settled.then(() => {
      if (current === settled) current = null;
    });
    return run;
  };
  const sequencer: EventSequencer = {
    run() {
      if (next) return next;
      if (!current) return start();
      next = current.then(() => {
        next = null;
        return start();
      });
      return next;
    },
    every(ms, onRun, onError) {
      const timer = setInterval(() => sequencer.run().then(onRun).catch(onError), ms);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
  return sequencer;
}
