/**
 * GET /api/projects/:id/events: Server-Sent Events from the persisted log. better-sse writes
 * the stream (headers, `id:`/`event:`/`data:` framing, sanitising, keep-alive comments); this
 * file decides what to send: the log after `Last-Event-ID`, then whatever the notifier
 * announces, re-read from the log so the order and ids are always the log's. The credential
 * is re-checked before each batch is sent and every --stream-recheck-ms: a stream whose token
 * was revoked or expired, whose member was removed or whose session was signed out ends (with
 * a comment saying why) instead of carrying on with signed artifact URLs.
 */
import { contract } from '@snapshotplot/api-client/contract';
import { Session } from 'better-sse';
import type { Request, Router } from 'express';
import { canRead, requireRole } from '../auth/principal.js';
import { badRequest } from '../errors.js';
import { recheckPrincipal } from './auth-helpers.js';
import type { AppContext } from './context.js';
import { mountFor } from './mount.js';

const PAGE = 200;

/** The id to resume after: `Last-Event-ID` header, else `?last_event_id=`; undefined when neither. */
export function resumeIdOf(req: Request): number | undefined {
  const header = req.get('last-event-id');
  const query = typeof req.query.last_event_id === 'string' ? req.query.last_event_id : undefined;
  const given = header ?? query;
  if (given === undefined || given === '') return undefined;
  if (!/^\d{1,15}$/.test(given)) {
    throw badRequest(
      `Last-Event-ID "${given.slice(0, 40)}" is not an event id: send the id of the last event received (a number), or omit it.`,
    );
  }
  return Number(given);
}

/** Mounts the events endpoint. */
export function eventRoutes(ctx: AppContext, router: Router): void {
  const mount = mountFor(ctx);
  // The query's last_event_id is read with the header (which wins): see resumeIdOf.
  const options = { names: { id: 'project id' }, rawQuery: true };
  mount(
    router,
    contract.events,
    async ({ principal, params: { id: projectId }, req, res }) => {
      requireRole(principal, projectId, 'reader');
      // Without a resume id a stream starts now; read before subscribing so nothing falls between.
      // An id past the end (a log restored from a backup) also starts now rather than waiting.
      const end = await ctx.store.lastEventId();
      let cursor = Math.min(resumeIdOf(req) ?? end, end);
      const session = new Session(req, res, {
        keepAlive: ctx.config.sseHeartbeatMs,
        trustClientEventId: false,
        // Payloads are stored as JSON text already.
        serializer: (data) => String(data),
        headers: { 'X-Accel-Buffering': 'no' },
      });

      let ended = false;
      let recheck: NodeJS.Timeout | undefined;
      /** Ends the stream; `why` goes out as a comment (EventSource ignores it, a person reading curl does not). */
      const finish = (why?: string) => {
        if (ended) return;
        ended = true;
        clearInterval(recheck);
        if (why && !res.writableEnded) res.write(`: ${why}\n\n`);
        res.end();
      };
      /** Whether the request's credential still reads this project; ends the stream when not. */
      const stillAllowed = async (): Promise<boolean> => {
        const p = await recheckPrincipal(ctx, req);
        if (ended) return false;
        if (p && canRead(p, projectId)) return true;
        ctx.logger.info(
          { project_id: projectId, principal: principal.key },
          'event stream ended: its credential no longer holds',
        );
        finish(
          'credential no longer valid for this project (revoked, expired or signed out): authenticate again',
        );
        return false;
      };

      let running = false;
      let again = false;
      const pump = async (): Promise<void> => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            if (!(await stillAllowed())) return;
            for (;;) {
              const rows = await ctx.store.eventsAfter(projectId, cursor, PAGE);
              for (const row of rows) {
                if (!session.isConnected || ended) return;
                session.push(row.payload, row.type, String(row.id));
                cursor = row.id;
              }
              if (rows.length < PAGE) break;
            }
          } while (again && session.isConnected && !ended);
        } catch (error) {
          // The client reconnects with its Last-Event-ID and resumes from the log.
          ctx.logger.warn({ err: error, project_id: projectId }, 'event stream read failed');
          finish();
        } finally {
          running = false;
        }
      };

      let untrack = () => {};
      let unsubscribe = () => {};
      session.once('connected', () => {
        untrack = ctx.events.track(() => finish());
        unsubscribe = ctx.events.subscribe(projectId, () => void pump());
        recheck = setInterval(() => void stillAllowed(), ctx.config.streamRecheckMs);
        void pump();
      });
      session.once('disconnected', () => {
        clearInterval(recheck);
        unsubscribe();
        untrack();
      });
    },
    options,
  );
}
