/** Runs tasks with bounded concurrency, stopping new starts after the first failure. */

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: unknown }
  | { ok: false; skipped: true };

/**
 * Runs `task` over `items`, at most `concurrency` at once, in order of start. After a failure
 * no new item starts (a re-run publishes the rest: every item is idempotent); those running
 * finish. Outcomes come back in the order of `items`.
 */
export async function runPool<I, T>(
  items: readonly I[],
  concurrency: number,
  task: (item: I, index: number) => Promise<T>,
): Promise<Outcome<T>[]> {
  const outcomes: Outcome<T>[] = items.map(() => ({ ok: false, skipped: true }));
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { ok: true, value: await task(items[index]!, index) };
      } catch (error) {
        failed = true;
        outcomes[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker),
  );
  return outcomes;
}
