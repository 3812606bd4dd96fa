// Open event streams lose their credential: a revoked token, a removed member, a signed-out
// or revoked gallery session ends the stream before (or instead of) the next event.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../src/auth/service-tokens.js';
import { openEvents, publishReady, type SseStream } from './events-helpers.js';
import { type Harness, startHarness } from './helpers.js';

const JWT_SECRET = 'revocation-test-secret-revocation-test';
let h: Harness; // default re-check interval (30 s): only the re-check before a push can end a stream
let fast: Harness; // 100 ms re-check: streams end by themselves
const streams: SseStream[] = [];

beforeAll(async () => {
  h = await startHarness({ config: { jwtSecret: JWT_SECRET } });
  fast = await startHarness({ config: { jwtSecret: JWT_SECRET, streamRecheckMs: 100 } });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await h.close();
  await fast.close();
});

async function open(on: Harness, o: Parameters<typeof openEvents>[2]) {
  const s = await openEvents(on, on.projectId, o);
  streams.push(s);
  expect(s.status).toBe(200);
  // The stream is subscribed once its first frame (better-sse's retry preamble) is out.
  await s.until((x) => x.frames.length > 0);
  return s;
}

/** Resolves true when the server ended the stream within `ms`, false otherwise. */
const endsWithin = (s: SseStream, ms = 3000) =>
  Promise.race([
    s.ended.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);

async function readerToken(on: Harness) {
  const { token, row } = await createServiceToken(on.server.context.store, {
    projectId: on.projectId,
    role: 'reader',
    now: new Date(),
  });
  return { token, id: row.id };
}

const jwt = (sub: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET));

async function cookieFor(on: Harness, token: string) {
  const res = await fetch(`${on.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/' }).toString(),
  });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function healthy(on: Harness) {
  expect((await fetch(`${on.url}/healthz`)).status).toBe(200);
}

describe('event streams re-check their credential', () => {
  it('a revoked service token gets no snapshot.ready and its stream ends', async () => {
    const { token, id } = await readerToken(h);
    const s = await open(h, { token });
    expect(await h.server.context.store.revokeToken(id, new Date().toISOString())).toBe(true);
    const snap = await publishReady(h, 'after revoke');
    expect(await endsWithin(s)).toBe(true);
    expect(s.events().filter((e) => e.type === 'snapshot.ready')).toEqual([]);
    expect(s.frames.some((f) => f.data?.includes(snap))).toBe(false);
    // New requests with it are 401; the snapshot itself was published and kept.
    const again = await h.api('GET', `/api/projects/${h.projectId}/events`, { token });
    expect(again.status).toBe(401);
    expect((await h.api('GET', `/api/snapshots/${snap}`)).status).toBe(200);
    await healthy(h);
  });

  it('a stream that still holds keeps receiving events', async () => {
    const { token } = await readerToken(h);
    const s = await open(h, { token });
    const snap = await publishReady(h, 'still valid');
    await s.until((x) => x.events().some((e) => e.type === 'snapshot.ready' && e.data.id === snap));
    s.close();
  });

  it('a revoked token ends an idle stream at the re-check interval', async () => {
    const { token, id } = await readerToken(fast);
    const s = await open(fast, { token });
    await fast.server.context.store.revokeToken(id, new Date().toISOString());
    expect(await endsWithin(s)).toBe(true);
    expect(s.frames.some((f) => f.comment?.includes('no longer'))).toBe(true);
    await healthy(fast);
  });

  it('an expired token ends the stream at the re-check interval', async () => {
    const { token, row } = await createServiceToken(fast.server.context.store, {
      projectId: fast.projectId,
      role: 'reader',
      expiresAt: new Date(Date.now() + 400).toISOString(),
      now: new Date(),
    });
    expect(row.expires_at).not.toBeNull();
    const s = await open(fast, { token });
    expect(await endsWithin(s)).toBe(true);
    await healthy(fast);
  });

  it('a JWT user removed from the project gets no further events', async () => {
    const store = h.server.context.store;
    await store.upsertMember(h.projectId, 'user-gone', 'reader', new Date().toISOString());
    const s = await open(h, { token: await jwt('user-gone') });
    expect(await store.removeMember(h.projectId, 'user-gone')).toBe(true);
    const snap = await publishReady(h, 'after member removal');
    expect(await endsWithin(s)).toBe(true);
    expect(s.frames.some((f) => f.data?.includes(snap))).toBe(false);
    await healthy(h);
  });

  it('a removed JWT member is cut off at the re-check interval', async () => {
    const store = fast.server.context.store;
    await store.upsertMember(fast.projectId, 'user-idle', 'reader', new Date().toISOString());
    const s = await open(fast, { token: await jwt('user-idle') });
    await store.removeMember(fast.projectId, 'user-idle');
    expect(await endsWithin(s)).toBe(true);
    await healthy(fast);
  });
});

describe('gallery live updates (session cookie) re-check the session', () => {
  it('a session whose token is revoked gets no snapshot.ready and its stream ends', async () => {
    const { token, id } = await readerToken(h);
    const cookie = await cookieFor(h, token);
    const s = await open(h, { token: null, headers: { cookie } });
    await h.server.context.store.revokeToken(id, new Date().toISOString());
    const snap = await publishReady(h, 'gallery after revoke');
    expect(await endsWithin(s)).toBe(true);
    expect(s.frames.some((f) => f.data?.includes(snap))).toBe(false);
    await healthy(h);
  });

  it('signing out ends the live stream opened with that session', async () => {
    const { token } = await readerToken(fast);
    const cookie = await cookieFor(fast, token);
    const s = await open(fast, { token: null, headers: { cookie } });
    const page = await fetch(`${fast.url}/projects/${fast.projectId}`, { headers: { cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const out = await fetch(`${fast.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(await endsWithin(s)).toBe(true);
    await healthy(fast);
  });
});
