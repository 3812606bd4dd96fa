/**
 * The delivery worker inside `serve`: polls the persistent queue (and wakes when an event is
 * committed), claims due rows with a conditional UPDATE, POSTs each signed payload with a
 * timeout, records the attempt and schedules the retry. A row stays in the table until it is
 * delivered or has failed for good, so a restart or crash loses nothing (a claim is a lease:
 * if the process dies mid-send the row becomes due again when the lease runs out). undici
 * (its Agent carries the SSRF-guarded DNS lookup and the timeouts) is loaded with the first
 * delivery, not at start-up: a server without webhooks never pays its memory.
 */
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import type { Store } from '../data/store.js';
import {
  isSealed,
  openWebhookSecret,
  sealWebhookSecret,
  webhookSecretKey,
} from '../data/webhook-secrets.js';
import type { EventNotifier } from '../events/notifier.js';
import { DEFAULT_RETRY_DELAYS_MS, retryDelay } from './schedule.js';
import { signatureHeaders } from './signing.js';
import { checkLiteralTarget, guardedLookup } from './url-policy.js';

export interface WebhookWorkerOptions {
  store: Store;
  logger: Logger;
  now: () => Date;
  notifier: EventNotifier;
  userAgent: string;
  allowPrivate: boolean;
  /** The server secret: endpoint secrets are stored sealed under a key derived from it. */
  serverSecret: Buffer;
  /** Delay before each attempt (the first is normally 0); its length is the attempt limit. */
  retryDelaysMs?: readonly number[];
  pollIntervalMs?: number;
  timeoutMs?: number;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

export interface WebhookWorker {
  /** Stops polling, aborts sends in flight (they are re-queued) and waits for the worker. */
  stop(): Promise<void>;
}

const BATCH = 10;
/** The least time between two polls asked for by events (the periodic poll runs regardless). */
const WAKE_GAP_MS = 50;

/** Describes a failed send in one line for the attempt log. */
function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { message?: string } };
  if (e.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  return (e.cause?.message ?? e.message ?? String(error)).slice(0, 500);
}

/** Starts the worker; it runs until stop(). */
export function startWebhookWorker(o: WebhookWorkerOptions): WebhookWorker {
  const delays = o.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const { store, logger } = o;
  let client: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;
  const http = () => {
    client ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connect: o.allowPrivate ? {} : ({ lookup: guardedLookup } as object),
      }),
      request,
    }));
    return client;
  };
  const abort = new AbortController();
  const key = webhookSecretKey(o.serverSecret);
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  async function send(id: string): Promise<void> {
    const d = await store.deliveryWithWebhook(id);
    if (!d) return;
    const startedAt = o.now();
    if (d.disabled_at) {
      await store.updateDelivery(id, { state: 'failed', completed_at: startedAt.toISOString() });
      return;
    }
    const attempt = d.attempts + 1;
    const t0 = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const url = new URL(d.url);
      if (!o.allowPrivate) checkLiteralTarget(url);
      const { agent, request } = await http();
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': o.userAgent,
          ...signatureHeaders(
            openWebhookSecret(key, d.webhook_id, d.secret),
            d.id,
            startedAt,
            d.payload,
          ),
        },
        body: d.payload,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      status = res.statusCode;
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
    } catch (e) {
      if (abort.signal.aborted) {
        // Shutting down: not the endpoint's fault, send again after the restart.
        await store.updateDelivery(id, {
          state: 'pending',
          next_attempt_at: startedAt.toISOString(),
        });
        return;
      }
      error = describe(e, timeoutMs);
    }
    const durationMs = Math.round(performance.now() - t0);
    const now = o.now();
    const ok = status !== null && status >= 200 && status < 300;
    const next = ok || status === 410 ? null : retryDelay(delays, attempt + 1, o.random);
    await store.transaction(async (tx) => {
      await tx.insertAttempt({
        delivery_id: id,
        attempt,
        status,
        duration_ms: durationMs,
        error,
        created_at: now.toISOString(),
      });
      if (status === 410) {
        // 410 Gone is the receiver saying "stop": disable the endpoint (Standard Webhooks).
        await tx.disableWebhook(d.webhook_id, now.toISOString(), 'the endpoint answered 410 Gone');
      }
      await tx.updateDelivery(id, {
        attempts: attempt,
        last_status: status,
        last_error: error ?? (status === 410 ? 'the endpoint answered 410 Gone' : null),
        ...(ok
          ? { state: 'delivered', completed_at: now.toISOString() }
          : next === null
            ? { state: 'failed', completed_at: now.toISOString() }
            : { state: 'pending', next_attempt_at: new Date(now.getTime() + next).toISOString() }),
      });
    });
    const log = { delivery: id, webhook: d.webhook_id, attempt, status, error, ms: durationMs };
    if (ok) logger.info(log, 'webhook delivered');
    else logger.warn({ ...log, retry_in_ms: next }, 'webhook delivery failed');
  }

  /** Seals secrets an earlier version stored in clear (once, before the first send). */
  async function sealPlaintext(): Promise<void> {
    for (const w of await store.listWebhooks()) {
      if (isSealed(w.secret)) continue;
      await store.setWebhookSecret(w.id, sealWebhookSecret(key, w.id, w.secret));
      logger.info({ webhook: w.id }, 'webhook secret encrypted at rest');
    }
  }
  const sealed = sealPlaintext().catch((error) =>
    logger.error({ err: error }, 'could not encrypt stored webhook secrets'),
  );

  async function drain(): Promise<void> {
    await sealed;
    do {
      again = false;
      const now = o.now();
      const lease = new Date(now.getTime() + timeoutMs + 30_000).toISOString();
      const { due: ids, claimed } = await store.claimDue(now.toISOString(), lease, BATCH);
      await Promise.all(
        claimed.map((id) =>
          send(id).catch((error) =>
            logger.error({ err: error, delivery: id }, 'webhook worker failed on a delivery'),
          ),
        ),
      );
      if (ids.length === BATCH) again = true;
    } while (again && !stopped);
  }

  function tick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error) => logger.error({ err: error }, 'webhook worker poll failed'))
      .finally(() => {
        running = undefined;
      });
  }

  const timer = setInterval(tick, o.pollIntervalMs ?? 1000);
  // An event polls "immediately", after the committing request has answered. Events within
  // WAKE_GAP_MS of that poll share one more at the gap's end: under load that is at most
  // 1000 / WAKE_GAP_MS polls a second (each a statement, on PostgreSQL a round trip), not one
  // per event, and no delivery waits more than the gap.
  let lastWake = Number.NEGATIVE_INFINITY;
  let wakeTimer: NodeJS.Timeout | undefined;
  const wake = () => {
    if (wakeTimer || stopped) return;
    wakeTimer = setTimeout(
      () => {
        wakeTimer = undefined;
        lastWake = performance.now();
        tick();
      },
      Math.max(0, lastWake + WAKE_GAP_MS - performance.now()),
    );
  };
  const unsubscribe = o.notifier.onAny(wake);
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(wakeTimer);
      unsubscribe();
      abort.abort();
      await running;
      if (client) await (await client).agent.close().catch(() => {});
    },
  };
}
