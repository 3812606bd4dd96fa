/**
 * "Commit, then notify", in one place: the state change and the events it logs share one
 * transaction (events/record.ts), and only once it has committed are this process's streams
 * and webhook worker woken. A rolled-back change wakes nobody; a lost wake-up only delays.
 */
import type { SnapshotEvent } from '@snapshotplot/api-client/contract';
import type { Store, StoreQueries } from '../data/store.js';
import { recordEvent } from '../events/record.js';
import type { Notify } from './deps.js';

/** Logs an event inside the transaction (and queues its webhook deliveries). */
export type Emit = (event: SnapshotEvent) => Promise<void>;

/** Runs `work` in a transaction; after it commits, notifies the projects whose events it emitted. */
export async function commitThenNotify<T>(
  deps: { store: Store; now: () => Date; events?: Notify },
  work: (tx: StoreQueries, emit: Emit) => Promise<T>,
): Promise<T> {
  const projects = new Set<string>();
  const result = await deps.store.transaction((tx) => {
    // A retried transaction (a serialisation failure) starts with nothing emitted.
    projects.clear();
    return work(tx, async (event) => {
      await recordEvent(tx, deps, event);
      projects.add(event.data.project_id);
    });
  });
  for (const projectId of projects) deps.events?.notify(projectId);
  return result;
}
