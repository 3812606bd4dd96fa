import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, publish, startHarness } from './helpers.js';

const JWT_SECRET = 'a-test-jwt-secret-that-is-long-enough-123';
let h: Harness;
const clock = Date.now();

beforeAll(async () => {
  h = await startHarness({ config: { jwtSecret: JWT_SECRET }, now: () => new Date(clock) });
  await h.project('proj_other');
});
afterAll(() => h.close());

async function snapshotCount() {
  const { page } = await h.server.context.store.listSnapshots(h.projectId, {}, 100);
  return page.length;
}

const jwt = (sub: string, secret = JWT_SECRET, exp = '1h') =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

describe('authentication (RFC 6750)', () => {
  it('401 unauthorized with WWW-Authenticate when no token is sent; nothing written', async () => {
    const res = await h.api('POST', '/api/snapshots/publish', {
      token: null,
      json: { project_id: h.projectId, title: 't' },
    });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="snapshotplot"$/);
    expect(await errorOf(res)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await snapshotCount()).toBe(0);
  });

  it('401 invalid_token for an unknown, malformed or non-Bearer credential', async () => {
    for (const authorization of [
      `Bearer spt_${'x'.repeat(40)}`,
      'Bearer nope',
      'Basic dXNlcjpwYXNz',
    ]) {
      const res = await fetch(`${h.url}/api/projects/${h.projectId}/snapshots`, {
        headers: { authorization },
      });
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await errorOf(res)).toMatchObject({ status: 401, code: 'invalid_token' });
    }
  });

  it('401 for a revoked token and token_expired for an expired one', async () => {
    const revoked = await h.tokenFor(h.projectId);
    const row = (await h.server.context.store.listTokens(h.projectId)).at(-1)!;
    await h.server.context.store.revokeToken(row.id, new Date(clock).toISOString());
    const r1 = await h.api('GET', `/api/projects/${h.projectId}/snapshots`, { token: revoked });
    expect(await errorOf(r1)).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(r1.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const expired = await h.tokenFor(
      h.projectId,
      'publisher',
      new Date(clock - 1000).toISOString(),
    );
    const r2 = await h.api('GET', `/api/projects/${h.projectId}/snapshots`, { token: expired });
    expect(await errorOf(r2)).toMatchObject({ status: 401, code: 'token_expired' });
  });

  it('403 for a valid token of another project, or a role too low; nothing written', async () => {
    const other = await h.tokenFor('proj_other', 'admin');
    const p = await publish(h, {}, {}, other);
    expect(p.status).toBe(403);
    expect(p.body.error?.code).toBe('forbidden');
    const reader = await h.tokenFor(h.projectId, 'reader');
    const p2 = await publish(h, {}, {}, reader);
    expect([p2.status, p2.body.error?.code]).toEqual([403, 'forbidden']);
    const list = await h.api('GET', `/api/projects/proj_other/snapshots`);
    expect(await errorOf(list)).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await snapshotCount()).toBe(0);
  });

  it('stores tokens as spt_ + 40 base62 and never the secret itself', async () => {
    const t = await h.tokenFor(h.projectId);
    expect(t).toMatch(/^spt_[0-9A-Za-z]{40}$/);
    const rows = await h.server.context.store.listTokens(h.projectId);
    expect(JSON.stringify(rows)).not.toContain(t);
  });
});

describe('user JWTs through project_members', () => {
  it('a member may act with their role; a non-member gets 403; a bad signature 401', async () => {
    await h.server.context.store.upsertMember(
      h.projectId,
      'user-1',
      'publisher',
      new Date().toISOString(),
    );
    const ok = await publish(h, { title: 'by jwt' }, {}, await jwt('user-1'));
    expect(ok.status).toBe(201);
    const stranger = await publish(h, { title: 'x' }, {}, await jwt('user-2'));
    expect([stranger.status, stranger.body.error?.code]).toEqual([403, 'forbidden']);
    const forged = await publish(
      h,
      { title: 'x' },
      {},
      await jwt('user-1', 'another-secret-another-secret-another'),
    );
    expect([forged.status, forged.body.error?.code]).toEqual([401, 'invalid_token']);
    const expired = await publish(
      h,
      { title: 'x' },
      {},
      await jwt('user-1', JWT_SECRET, (Math.floor(Date.now() / 1000) - 60) as unknown as string),
    );
    expect([expired.status, expired.body.error?.code]).toEqual([401, 'token_expired']);
  });
});
