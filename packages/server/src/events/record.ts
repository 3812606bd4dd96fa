/**
 * Builds the contract's event payloads and logs them inside the caller's transaction; the
 * database queues one webhook delivery per subscribed endpoint with the event (0016), so the
 * state change, the event and its deliveries commit or roll back together.
 */
import {
  type Comparison,
  type ComparisonReadyEvent,
  ComparisonReadyEventSchema,
  type ProjectEvent,
  type Snapshot,
  type SnapshotDeletedEvent,
  SnapshotDeletedEventSchema,
  type SnapshotReadyEvent,
  SnapshotReadyEventSchema,
} from '@snapshotplot/api-client/contract';
import type { StoreQueries } from '../data/store.js';

/** The clock is all an event needs from its caller. */
type Clock = { now: () => Date };

/** `snapshot.ready` for a snapshot that just became ready (its API body: snapshots/view.ts). */
export function readyEvent(ctx: Clock, snapshot: Snapshot): SnapshotReadyEvent {
  return SnapshotReadyEventSchema.parse({
    type: 'snapshot.ready',
    timestamp: ctx.now().toISOString(),
    data: snapshot,
  });
}

/** `snapshot.deleted` for a snapshot that was just deleted. */
export function deletedEvent(
  ctx: Clock,
  snap: { id: string; project_id: string },
): SnapshotDeletedEvent {
  return SnapshotDeletedEventSchema.parse({
    type: 'snapshot.deleted',
    timestamp: ctx.now().toISOString(),
    data: { id: snap.id, project_id: snap.project_id },
  });
}

/** `comparison.ready` for a head set just declared complete: the comparison without items. */
export function comparisonReadyEvent(ctx: Clock, comparison: Comparison): ComparisonReadyEvent {
  const { items: _items, ...data } = comparison;
  return ComparisonReadyEventSchema.parse({
    type: 'comparison.ready',
    timestamp: ctx.now().toISOString(),
    data,
  });
}

/**
 * Appends the event; call inside the state change's transaction. The insert also queues one
 * delivery per enabled endpoint of the project subscribed to the event's type (a trigger,
 * data/migration-write-triggers.ts), so the event and its deliveries commit together.
 */
export async function recordEvent(
  tx: StoreQueries,
  ctx: Clock,
  event: ProjectEvent,
): Promise<number> {
  return tx.insertEvent({
    project_id: event.data.project_id,
    type: event.type,
    payload: JSON.stringify(event),
    created_at: ctx.now().toISOString(),
  });
}
