/**
 * The dedicated PostgreSQL session (src/data/pg-session.ts) on a real PostgreSQL: its
 * session advisory locks exclude another process's session, concurrent uploads' lock
 * statements go out together (pipeline mode) rather than one round trip after another, and
 * a released lock is free for the other session at once.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionServices } from '../src/data/pg-session.js';
import type { StoreServices } from '../src/data/store.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { requirePostgres } from './replicas-helpers.js';

const admin = testDatabaseAdminUrl();
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

/** A session over `url` whose client counts how many of its queries were in flight at once. */
function session(url: string) {
  const seen = { inFlight: 0, most: 0 };
  const services: StoreServices = createSessionServices(() => {
    const client = new pg.Client({ connectionString: url, pipeline: true });
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      seen.inFlight++;
      seen.most = Math.max(seen.most, seen.inFlight);
      return query(...args).finally(() => {
        seen.inFlight--;
      });
    };
    return client;
  });
  cleanup.push(() => services.close());
  return { services, seen };
}

requirePostgres();

describe.skipIf(!admin)('the PostgreSQL session', () => {
  it('locks exclude the other session, go out together, and free at once on release', async () => {
    const database = await createTestDatabase(admin!);
    cleanup.push(database.drop);
    const a = session(database.url);
    const b = session(database.url);
    const keys = Array.from({ length: 12 }, (_, i) => `object:${i}`);

    const releases = await Promise.all(keys.map((k) => a.services.tryLock(k)));
    expect(releases.every((r) => typeof r === 'function')).toBe(true);
    // Pipelined: the twelve lock statements were in flight together, not queued one by one.
    expect(a.seen.most).toBeGreaterThan(1);

    // Held by a: the other session gets none of them; a itself refuses a second hold.
    expect(await Promise.all(keys.map((k) => b.services.tryLock(k)))).toEqual(keys.map(() => null));
    expect(await a.services.tryLock(keys[0]!)).toBeNull();

    // Released (concurrently), each is b's to take; a lock a never held is unaffected.
    await Promise.all(releases.map((r) => r!()));
    const taken = await Promise.all(keys.map((k) => b.services.tryLock(k)));
    expect(taken.every((r) => typeof r === 'function')).toBe(true);
    expect(await a.services.tryLock(keys[1]!)).toBeNull();
    await Promise.all(taken.map((r) => r!()));
    const again = await a.services.tryLock(keys[1]!);
    expect(again).toBeTypeOf('function');
    await again!();
  });

  it("a waited lock: this process's waiters in order, the other session's hold waited out, a timeout null", async () => {
    const database = await createTestDatabase(admin!);
    cleanup.push(database.drop);
    const a = session(database.url);
    const b = session(database.url);
    const held = await a.services.lock('object:w', 1000);
    expect(held).toBeTypeOf('function');
    // b's session cannot have it while a holds it: its wait runs out.
    expect(await b.services.lock('object:w', 150)).toBeNull();
    // Two waiters in b, in order; a releases while they poll.
    const order: string[] = [];
    const first = b.services.lock('object:w', 5000).then((u) => {
      order.push('first');
      return u;
    });
    const second = b.services.lock('object:w', 5000).then((u) => {
      order.push('second');
      return u;
    });
    await new Promise((r) => setTimeout(r, 50));
    await held!();
    const u1 = await first;
    expect(u1).toBeTypeOf('function');
    expect(order).toEqual(['first']);
    // Still b's: a cannot take it, until b's second waiter has had it too.
    expect(await a.services.tryLock('object:w')).toBeNull();
    await u1!();
    const u2 = await second;
    expect(order).toEqual(['first', 'second']);
    await u2!();
    const last = await a.services.tryLock('object:w');
    expect(last).toBeTypeOf('function');
    await last!();
  });
});
