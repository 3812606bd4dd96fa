import {
  SnapshotDeletedEventSchema,
  SnapshotEventSchema,
  SnapshotReadyEventSchema,
} from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents, publishReady, type SseStream } from './events-helpers.js';
import { errorOf, type Harness, PNG, startHarness } from './helpers.js';

let h: Harness;
const streams: SseStream[] = [];
const track = (s: SseStream) => {
  streams.push(s);
  return s;
};
beforeAll(async () => {
  h = await startHarness({ config: { sseHeartbeatMs: 100 } });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await h.close();
});

const readyFor = (id: string) => (s: SseStream) =>
  s.events().some((e) => e.type === 'snapshot.ready' && e.data.id === id);

describe('GET /api/projects/:id/events', () => {
  it('streams snapshot.ready after finalize, with the log id and the contract payload', async () => {
    const s = track(await openEvents(h, h.projectId));
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const id = await publishReady(h, 'Live plot');
    await s.until(readyFor(id));
    const frame = s.frames.find((f) => f.data?.includes(id))!;
    expect(frame.event).toBe('snapshot.ready');
    expect(frame.id).toMatch(/^\d+$/);
    const event = SnapshotReadyEventSchema.parse(JSON.parse(frame.data!));
    expect(event.data).toMatchObject({ id, project_id: h.projectId, status: 'ready' });
    // A fresh stream starts now: nothing from before it was opened.
    const later = track(await openEvents(h, h.projectId));
    await new Promise((r) => setTimeout(r, 150));
    expect(later.events()).toEqual([]);
  });

  it('streams snapshot.ready for a multipart direct publish and snapshot.deleted on DELETE', async () => {
    const s = track(await openEvents(h, h.projectId));
    const fd = new FormData();
    fd.append('metadata', JSON.stringify({ project_id: h.projectId, title: 'Direct' }));
    fd.append('plot', new Blob([PNG], { type: 'image/png' }), 'plot.png');
    const res = await h.api('POST', '/api/snapshots/publish', { body: fd });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await s.until(readyFor(id));
    const admin = await h.tokenFor(h.projectId, 'admin');
    expect((await h.api('DELETE', `/api/snapshots/${id}`, { token: admin })).status).toBe(200);
    await s.until((x) => x.events().some((e) => e.type === 'snapshot.deleted'));
    const deleted = s.events().find((e) => e.type === 'snapshot.deleted')!;
    const { id: _frameId, ...payload } = deleted;
    expect(SnapshotDeletedEventSchema.parse(payload).data).toEqual({ id, project_id: h.projectId });
    const ids = s.events().map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('resumes after Last-Event-ID (header or ?last_event_id=) with only later events', async () => {
    const s = track(await openEvents(h, h.projectId));
    const a = await publishReady(h, 'Resume A');
    const b = await publishReady(h, 'Resume B');
    await s.until(readyFor(b));
    s.close();
    const idOf = (snap: string) =>
      s.events().find((e) => e.type === 'snapshot.ready' && e.data.id === snap)!.id;
    const resumed = track(
      await openEvents(h, h.projectId, { headers: { 'last-event-id': idOf(a) } }),
    );
    await resumed.until(readyFor(b));
    const c = await publishReady(h, 'Resume C');
    await resumed.until(readyFor(c));
    const got = resumed.events().map((e) => (e.type === 'snapshot.ready' ? e.data.id : e.type));
    expect(got).toEqual([b, c]);
    for (const e of resumed.events()) SnapshotEventSchema.parse({ ...e, id: undefined });

    // Finalizing a ready snapshot again is ok but not news: no second event.
    const again = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: c },
    });
    expect(again.status).toBe(200);
    const d = await publishReady(h, 'Resume D');
    await resumed.until(readyFor(d));
    expect(resumed.events().filter((e) => e.data.id === c)).toHaveLength(1);

    const viaQuery = track(
      await openEvents(h, h.projectId, { query: `?last_event_id=${idOf(b)}` }),
    );
    await viaQuery.until(readyFor(d));
    expect(viaQuery.events().map((e) => e.type === 'snapshot.ready' && e.data.id)).toEqual([c, d]);
    // An id beyond the end of the log starts at the end.
    const future = track(await openEvents(h, h.projectId, { query: '?last_event_id=999999999' }));
    const e = await publishReady(h, 'Resume E');
    await future.until(readyFor(e));
    expect(future.events()).toHaveLength(1);
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const s = track(await openEvents(h, h.projectId));
    await s.until((x) => x.frames.filter((f) => f.comment !== undefined).length >= 2, 3000);
    expect(s.events()).toEqual([]);
  });

  it('keeps projects apart: 403 for a reader of another project, no foreign events', async () => {
    const other = await h.project('proj_other');
    const otherReader = await h.tokenFor(other, 'reader');
    const denied = await h.api('GET', `/api/projects/${h.projectId}/events`, {
      token: otherReader,
    });
    expect(await errorOf(denied)).toMatchObject({ status: 403, code: 'forbidden' });

    const s = track(await openEvents(h, other, { token: otherReader }));
    const mine = await publishReady(h, 'Not yours');
    const otherPublisher = await h.tokenFor(other, 'publisher');
    const before = s.frames.length;
    // An event in the other project proves the stream is live and saw nothing of ours.
    const pub = await h.api('POST', '/api/snapshots/publish', {
      token: otherPublisher,
      body: (() => {
        const fd = new FormData();
        fd.append('metadata', JSON.stringify({ project_id: other, title: 'Theirs' }));
        fd.append('plot', new Blob([PNG], { type: 'image/png' }), 'p.png');
        return fd;
      })(),
    });
    expect(pub.status).toBe(201);
    await s.until((x) => x.events().length === 1);
    expect(s.frames.length).toBeGreaterThan(before);
    expect(s.events().some((e) => e.data.id === mine)).toBe(false);
  });

  it('answers 401 without a token and 400 for a malformed Last-Event-ID', async () => {
    const anon = await fetch(`${h.url}/api/projects/${h.projectId}/events`);
    expect((await errorOf(anon)).code).toBe('unauthorized');
    const bad = await h.api('GET', `/api/projects/${h.projectId}/events`, {
      headers: { 'last-event-id': 'abc' },
    });
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});

describe('shutdown', () => {
  it('ends open streams so SIGTERM is not held open', async () => {
    const own = await startHarness({ config: { shutdownTimeoutMs: 10_000 } });
    const s = await openEvents(own, own.projectId);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await own.close();
    await s.ended;
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
