/**
 * Builds the contract's event payloads and logs them inside the caller's transaction, together
 * with one queued webhook delivery per subscribed endpoint: the state change, the event and
 * its deliveries commit or roll back together.
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
import { newId } from '../ids.js';

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

/** Appends the event and queues its webhook deliveries; call inside the state change's transaction. */
export async function recordEvent(
  tx: StoreQueries,
  ctx: Clock,
  event: ProjectEvent,
): Promise<number> {
  const now = ctx.now();
  const projectId = event.data.project_id;
  const payload = JSON.stringify(event);
  const eventId = await tx.insertEvent({
    project_id: projectId,
    type: event.type,
    payload,
    created_at: now.toISOString(),
  });
  for (const hook of await tx.activeWebhooks(projectId)) {
    if (!(JSON.parse(hook.events) as string[]).includes(event.type)) continue;
    await tx.insertDelivery({
      id: newId('msg', now.getTime()),
      webhook_id: hook.id,
      project_id: projectId,
      event_id: eventId,
      event_type: event.type,
      payload,
      state: 'pending',
      attempts: 0,
      next_attempt_at: now.toISOString(),
      last_status: null,
      last_error: null,
      created_at: now.toISOString(),
      completed_at: null,
    });
  }
  return eventId;
}
