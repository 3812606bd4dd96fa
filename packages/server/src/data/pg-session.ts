/**
 * The one dedicated PostgreSQL session of a process: session-level advisory locks for work
 * that spans transactions (an upload streaming to storage) and LISTEN for events. A lock dies
 * with its session, so a replica killed mid-upload frees the artifact for a retry elsewhere.
 * If the session drops, its locks are gone too: it reconnects on the next use or after 1 s.
 */
import type pg from 'pg';
import { LockTable, waitForLock } from './locks.js';
import type { StoreServices, Unlock } from './store.js';
import { EVENTS_CHANNEL } from './store-events.js';

/** A project id as NOTIFY carries it (ids.ts shape). */
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `newClient` makes a client in pg's pipeline mode (`pipeline: true`): concurrent uploads send
 * their lock and unlock statements at once instead of one round trip after another. Each is
 * its own implicit transaction (a Sync per query), and the try-locks never block, so one
 * upload's statement never waits on another's.
 */
export function createSessionServices(
  newClient: () => pg.Client,
  o: { ownBackends?: ReadonlySet<number> } = {},
): StoreServices {
  let session: Promise<pg.Client> | null = null;
  let closed = false;
  const held = new Set<string>();
  const listeners = new Set<(projectId: string) => void>();
  let retry: NodeJS.Timeout | undefined;
  const dropped = () => {
    session = null;
    held.clear();
    if (!closed && listeners.size > 0 && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void connect().catch(dropped);
      }, 1000);
      retry.unref();
    }
  };

  function connect(): Promise<pg.Client> {
    session ??= (async () => {
      const client = newClient();
      client.on('error', dropped);
      client.on('end', dropped);
      // The payload is the project whose events were just sequenced (store-events.ts). This
      // process's own runs were announced in-process already (commit, then notify).
      client.on('notification', (n) => {
        if (o.ownBackends?.has(n.processId)) return;
        const projectId = n.payload ?? '';
        if (!PROJECT_ID.test(projectId)) return;
        for (const fn of listeners) fn(projectId);
      });
      await client.connect();
      await client.query(`listen ${EVENTS_CHANNEL}`);
      return client;
    })();
    session.catch(() => {
      session = null;
    });
    return session;
  }

  // This process's waiters for each key, in order: only the oldest asks the server.
  const waiting = new LockTable<object>();

  async function tryLock(key: string): Promise<Unlock | null> {
    if (held.has(key)) return null;
    held.add(key);
    try {
      const client = await connect();
      const r = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        [key],
      );
      if (!r.rows[0]?.ok) {
        held.delete(key);
        return null;
      }
    } catch (error) {
      held.delete(key);
      throw error;
    }
    return async () => {
      if (!held.delete(key)) return;
      const client = await session?.catch(() => null);
      if (client) {
        await client
          .query('select pg_advisory_unlock(hashtextextended($1, 0))', [key])
          .catch(() => {});
      }
    };
  }

  return {
    tryLock,
    /**
     * The oldest waiter of this process polls the advisory lock (2 → 100 ms): PostgreSQL's
     * waiting pg_advisory_lock would block this session, which every lock of the process
     * shares. Other processes' waiters are not ordered with ours.
     */
    async lock(key, waitMs) {
      const deadline = Date.now() + waitMs;
      const local = await waitForLock(waiting, key, waitMs);
      if (!local) return null;
      try {
        for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
          const unlock = await tryLock(key);
          if (unlock) {
            return async () => {
              try {
                await unlock();
              } finally {
                await local();
              }
            };
          }
          const left = deadline - Date.now();
          if (left <= 0) {
            await local();
            return null;
          }
          await sleep(Math.min(delay, left));
        }
      } catch (error) {
        await local();
        throw error;
      }
    },
    onEvent(fn) {
      listeners.add(fn);
      void connect().catch(dropped);
      return () => listeners.delete(fn);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      listeners.clear();
      const client = await session?.catch(() => null);
      session = null;
      await client?.end().catch(() => {});
    },
  };
}
