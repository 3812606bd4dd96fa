// User JWTs must carry `exp`, come from the configured issuer, and live no longer than
// --jwt-max-lifetime: checked the same way for the API and for the gallery sign-in.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { errorOf, type Harness, publish, startHarness } from './helpers.js';

const JWT_SECRET = 'jwt-lifetime-test-secret-jwt-lifetime';
const ISSUER = 'https://idp.example.com/auth/v1';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ config: { jwtSecret: JWT_SECRET, jwtIssuer: ISSUER } });
  await h.server.context.store.upsertMember(
    h.projectId,
    'user-1',
    'publisher',
    new Date().toISOString(),
  );
});
afterAll(() => h.close());

const nowS = () => Math.floor(Date.now() / 1000);

/** A JWT for user-1; each claim can be set or left out (undefined). */
function jwt(c: { exp?: number; iat?: number; iss?: string }) {
  const t = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1');
  if (c.exp !== undefined) t.setExpirationTime(c.exp);
  if (c.iat !== undefined) t.setIssuedAt(c.iat);
  if (c.iss !== undefined) t.setIssuer(c.iss);
  return t.sign(new TextEncoder().encode(JWT_SECRET));
}

async function snapshotCount() {
  const { page } = await h.server.context.store.listSnapshots(h.projectId, {}, 100);
  return page.length;
}

async function signIn(token: string) {
  return fetch(`${h.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/' }).toString(),
  });
}

const BAD: Array<[string, () => Promise<string>, RegExp]> = [
  ['no exp', () => jwt({ iat: nowS(), iss: ISSUER }), /"exp"/],
  ['another issuer', () => jwt({ iat: nowS(), exp: nowS() + 600, iss: 'https://evil' }), /"iss"/],
  ['no issuer', () => jwt({ iat: nowS(), exp: nowS() + 600 }), /"iss"/],
  [
    'a lifetime over the maximum',
    () => jwt({ iat: nowS(), exp: nowS() + 2 * 86400, iss: ISSUER }),
    /86400/,
  ],
  ['a far exp and no iat', () => jwt({ exp: nowS() + 2 * 86400, iss: ISSUER }), /86400/],
  [
    'an iat set in the future to hide a long lifetime',
    () => jwt({ iat: nowS() + 2 * 86400 - 60, exp: nowS() + 2 * 86400, iss: ISSUER }),
    /86400/,
  ],
];

describe('JWT claims on the API', () => {
  it.each(BAD)(
    'refuses a JWT with %s: 401 invalid_token naming the claim',
    async (_, make, why) => {
      const before = await snapshotCount();
      const pub = await publish(h, { title: 'by jwt' }, {}, await make());
      const err = {
        status: pub.status,
        code: pub.body.error?.code,
        message: pub.body.error?.message,
      };
      expect(err).toMatchObject({ status: 401, code: 'invalid_token' });
      expect(err.message).toMatch(why);
      expect(pub.res.headers.get('www-authenticate')).toContain('invalid_token');
      expect(await snapshotCount()).toBe(before);
      expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
    },
  );

  it('accepts a JWT from the issuer with exp within the maximum lifetime', async () => {
    const token = await jwt({ iat: nowS(), exp: nowS() + 3600, iss: ISSUER });
    const pub = await publish(h, { title: 'valid jwt' }, {}, token);
    expect(pub.status).toBe(201);
    // Without iat the remaining lifetime counts: exp one hour from now is fine.
    const noIat = await jwt({ exp: nowS() + 3600, iss: ISSUER });
    const list = await h.api('GET', `/api/projects/${h.projectId}/snapshots`, { token: noIat });
    expect(list.status).toBe(200);
  });

  it('honours a smaller --jwt-max-lifetime', async () => {
    const s = await startHarness({ config: { jwtSecret: JWT_SECRET, jwtMaxLifetime: 600 } });
    try {
      await s.server.context.store.upsertMember(
        s.projectId,
        'user-1',
        'reader',
        new Date().toISOString(),
      );
      const path = `/api/projects/${s.projectId}/snapshots`;
      const long = await s.api('GET', path, {
        token: await jwt({ iat: nowS(), exp: nowS() + 3600 }),
      });
      expect(await errorOf(long)).toMatchObject({ status: 401, code: 'invalid_token' });
      const short = await s.api('GET', path, {
        token: await jwt({ iat: nowS(), exp: nowS() + 300 }),
      });
      expect(short.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('JWT claims at the gallery sign-in', () => {
  it.each(BAD)('refuses a JWT with %s with a 401 page and no cookie', async (_, make, why) => {
    const res = await signIn(await make());
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toMatch(new RegExp(why.source.replace(/"/g, '&quot;')));
  });

  it('signs in with a valid JWT', async () => {
    const res = await signIn(await jwt({ iat: nowS(), exp: nowS() + 3600, iss: ISSUER }));
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^snapshotplot_session=v1\./);
  });
});

describe('JWT settings', () => {
  it('reads --jwt-issuer and --jwt-max-lifetime from flags or the environment', () => {
    const env = { SNAPSHOTPLOT_JWT_ISSUER: 'https://a', SNAPSHOTPLOT_JWT_MAX_LIFETIME: '3600' };
    expect(resolveConfig({}, env)).toMatchObject({ jwtIssuer: 'https://a', jwtMaxLifetime: 3600 });
    expect(resolveConfig({ jwtIssuer: 'https://b' }, env).jwtIssuer).toBe('https://b');
    expect(resolveConfig({}, {}).jwtMaxLifetime).toBe(86400);
    expect(resolveConfig({}, {}).jwtIssuer).toBeUndefined();
  });
});
