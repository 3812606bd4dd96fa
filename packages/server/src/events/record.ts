/**
 * Builds the contract's event payloads and logs them inside the caller's transaction, together
 * with one queued webhook delivery per subscribed endpoint: the state change, the event and
 * its deliveries commit or roll back together.
 */
import {
  type SnapshotDeletedEvent,
  SnapshotDeletedEventSchema,
  type SnapshotEvent,
  type SnapshotReadyEvent,
  SnapshotReadyEventSchema,
} from '@snapshotplot/api-client/contract';
import type { SnapshotRecord } from '../data/records.js';
import type { StoreQueries } from '../data/store.js';
import type { AppContext } from '../http/context.js';
import { toSnapshot } from '../http/snapshot-view.js';
import { newId } from '../ids.js';

/** `snapshot.ready` for a snapshot that just became ready. */
export function readyEvent(ctx: AppContext, snap: SnapshotRecord): SnapshotReadyEvent {
  return SnapshotReadyEventSchema.parse({
    type: 'snapshot.ready',
    timestamp: ctx.now().toISOString(),
    data: toSnapshot(ctx, snap),
  });
}

/** `snapshot.deleted` for a snapshot that was just deleted. */
export function deletedEvent(
  ctx: Pick<AppContext, 'now'>,
  snap: { id: string; project_id: string },
): SnapshotDeletedEvent {
  return SnapshotDeletedEventSchema.parse({
    type: 'snapshot.deleted',
    timestamp: ctx.now().toISOString(),
    data: { id: snap.id, project_id: snap.project_id },
  });
}

/** Appends the event and queues its webhook deliveries; call inside the state change's transaction. */
export async function recordEvent(
  tx: StoreQueries,
  ctx: Pick<AppContext, 'now'>,
  event: SnapshotEvent,
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
