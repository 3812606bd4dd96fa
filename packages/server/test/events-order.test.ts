/**
 * Live streams under concurrent writers (issue 16): every event reaches an open stream exactly
 * once and in position order, and a stream resumed from any position gets exactly the rest.
 * On PostgreSQL event writers take no lock; positions are given after commit by one short
 * sequencing statement (src/data/store-events.ts), which the first test pins down directly:
 * an event committing after a later-inserted one must still come after it on the stream.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents, type SseStream } from './events-helpers.js';
import { BACKEND, type Harness, PNG, startHarness } from './helpers.js';
import { requirePostgres, useReplicas } from './replicas-helpers.js';

const PUBLISHERS = 12;
const SNAPSHOTS = 60;

/** One multipart direct publish (publish + store + finalize, one snapshot.ready); its id. */
async function directPublish(url: string, token: string, projectId: string, title: string) {
  const fd = new FormData();
  fd.append('metadata', JSON.stringify({ project_id: projectId, title }));
  fd.append('plot', new Blob([PNG], { type: 'image/png' }), 'plot.png');
  const res = await fetch(`${url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: fd,
  });
  if (res.status !== 201) throw new Error(`publish ${title}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** `count` publishes, `PUBLISHERS` at a time, spread over `targets` round-robin. */
async function publishMany(targets: Array<{ url: string; token: string; projectId: string }>) {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      while (next < SNAPSHOTS) {
        const n = next++;
        const t = targets[n % targets.length]!;
        ids.push(await directPublish(t.url, t.token, t.projectId, `concurrent ${n}`));
      }
    }),
  );
  return ids;
}

/** The stream's ready events as [position, snapshot id], after checking order and uniqueness. */
function readyOf(s: SseStream): Array<[number, string]> {
  const ready = s
    .events()
    .filter((e) => e.type === 'snapshot.ready')
    .map((e) => [Number(e.id), (e.data as { id: string }).id] as [number, string]);
  const positions = ready.map(([p]) => p);
  // Strictly increasing: no position twice, none out of order.
  expect(positions).toEqual([...new Set(positions)].sort((a, b) => a - b));
  return ready;
}

const gotAll = (n: number) => (s: SseStream) =>
  s.events().filter((e) => e.type === 'snapshot.ready').length >= n;

describe('event streams under concurrent publishers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { dbPoolSize: 4 } });
  });
  afterAll(() => h.close());

  it.skipIf(BACKEND !== 'postgres')(
    'an event that commits after a later-inserted one still comes after it on the stream',
    async () => {
      const store = h.server.context.store;
      const start = await store.lastEventId();
      const row = (title: string) => ({
        project_id: h.projectId,
        type: 'snapshot.deleted' as const,
        payload: JSON.stringify({ title }),
        created_at: new Date().toISOString(),
      });
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let inserted!: () => void;
      const insertedEarly = new Promise<void>((r) => {
        inserted = r;
      });
      // A: inserts first (the smaller id), commits last.
      const early = store.transaction(async (tx) => {
        const id = await tx.insertEvent(row('early'));
        inserted();
        await gate;
        return id;
      });
      await insertedEarly;
      const lateId = await store.insertEvent(row('late'));
      const seen = await store.eventsAfter(h.projectId, start, 10);
      expect(seen.map((e) => JSON.parse(e.payload).title)).toEqual(['late']);
      // A stream that is at `late` now must still get `early` once it commits.
      release();
      const earlyId = await early;
      expect(earlyId).toBeLessThan(lateId);
      const after = await store.eventsAfter(h.projectId, seen[0]!.id, 10);
      expect(after.map((e) => JSON.parse(e.payload).title)).toEqual(['early']);
      expect(after[0]!.id).toBeGreaterThan(seen[0]!.id);
    },
  );

  it.skipIf(BACKEND !== 'postgres')(
    'an event committed by a writer that died before sequencing still reaches live streams',
    async () => {
      const stream = await openEvents(h, h.projectId);
      const client = new pg.Client({ connectionString: h.server.context.config.databaseUrl! });
      await client.connect();
      try {
        // What a crash right after the publish transaction's COMMIT leaves: a row without seq.
        await client.query("select set_config('app.principal_projects', '*', false)");
        const payload = JSON.stringify({
          type: 'snapshot.deleted',
          timestamp: new Date().toISOString(),
          data: { id: 'snap_orphan', project_id: h.projectId },
        });
        await client.query(
          `insert into events (project_id, type, payload, created_at) values ($1, 'snapshot.deleted', $2, $3)`,
          [h.projectId, payload, new Date().toISOString()],
        );
        // The store's sweep (every 5 s) gives it a position and wakes this process's streams.
        await stream.until(
          (s) => s.events().some((e) => (e.data as { id: string }).id === 'snap_orphan'),
          8000,
        );
        const r = await client.query('select count(*)::int as n from events where seq is null');
        expect(r.rows[0].n).toBe(0);
      } finally {
        stream.close();
        await client.end();
      }
    },
  );

  it(`delivers each of ${SNAPSHOTS} concurrent publishes once, in order, live and resumed`, async () => {
    const live = [await openEvents(h, h.projectId), await openEvents(h, h.projectId)];
    try {
      const ids = await publishMany([{ url: h.url, token: h.token, projectId: h.projectId }]);
      for (const s of live) {
        await s.until(gotAll(SNAPSHOTS), 20_000);
        const ready = readyOf(s);
        expect(ready.map(([, id]) => id).sort()).toEqual([...ids].sort());
      }
      // Both streams saw the same positions; one resumed from the middle gets exactly the rest.
      const order = readyOf(live[0]!);
      expect(readyOf(live[1]!)).toEqual(order);
      const middle = order[SNAPSHOTS / 2 - 1]![0];
      const resumed = await openEvents(h, h.projectId, { query: `?last_event_id=${middle}` });
      try {
        await resumed.until(gotAll(SNAPSHOTS / 2), 10_000);
        expect(readyOf(resumed)).toEqual(order.slice(SNAPSHOTS / 2));
      } finally {
        resumed.close();
      }
    } finally {
      for (const s of live) s.close();
    }
  });
});

describe.skipIf(BACKEND !== 'postgres')('event streams across two replicas', () => {
  requirePostgres();
  const r = useReplicas();

  it(`streams on both replicas get each of ${SNAPSHOTS} publishes to either once, in order`, async () => {
    const on = (url: string) => ({ url, token: r.token }) as unknown as Harness;
    const live = [
      await openEvents(on(r.a.url), r.projectId),
      await openEvents(on(r.b.url), r.projectId),
    ];
    try {
      const ids = await publishMany(
        [r.a, r.b].map((s) => ({ url: s.url, token: r.token, projectId: r.projectId })),
      );
      for (const s of live) {
        await s.until(gotAll(SNAPSHOTS), 20_000);
        expect(
          readyOf(s)
            .map(([, id]) => id)
            .sort(),
        ).toEqual([...ids].sort());
      }
      expect(readyOf(live[1]!)).toEqual(readyOf(live[0]!));
    } finally {
      for (const s of live) s.close();
    }
  });
});
