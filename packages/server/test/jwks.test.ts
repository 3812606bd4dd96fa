import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, publish, startHarness } from './helpers.js';

let h: Harness;
let jwks: Server;
type KeyObjectLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: KeyObjectLike;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey as KeyObjectLike;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const port = (jwks.address() as AddressInfo).port;
  h = await startHarness({
    config: {
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      jwtAudience: 'authenticated',
    },
  });
  await h.server.context.store.upsertMember(
    h.projectId,
    'supabase-user',
    'reader',
    new Date().toISOString(),
  );
});
afterAll(async () => {
  await h.close();
  await new Promise((r) => jwks.close(r));
});

const sign = (sub: string, aud = 'authenticated', key: KeyObjectLike = privateKey) =>
  new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject(sub)
    .setAudience(aud)
    .setExpirationTime('5m')
    .sign(key);

describe('user JWTs verified against a JWKS URL', () => {
  it('a reader member may list but not publish; wrong audience or key is 401', async () => {
    const token = await sign('supabase-user');
    const list = await h.api('GET', `/api/projects/${h.projectId}/snapshots`, { token });
    expect(list.status).toBe(200);
    const pub = await publish(h, {}, {}, token);
    expect([pub.status, pub.body.error?.code]).toEqual([403, 'forbidden']);
    const wrongAud = await h.api('GET', `/api/projects/${h.projectId}/snapshots`, {
      token: await sign('supabase-user', 'other'),
    });
    expect(wrongAud.status).toBe(401);
    const other = (await generateKeyPair('ES256')).privateKey as KeyObjectLike;
    const forged = await h.api('GET', `/api/projects/${h.projectId}/snapshots`, {
      token: await sign('supabase-user', 'authenticated', other),
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('refuses a JWKS-signed JWT without exp or living past the maximum: 401 invalid_token', async () => {
    const path = `/api/projects/${h.projectId}/snapshots`;
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('supabase-user')
      .setAudience('authenticated')
      .setIssuedAt()
      .sign(privateKey);
    const a = await h.api('GET', path, { token: noExp });
    expect(a.status).toBe(401);
    const body = (await a.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_token');
    expect(body.error.message).toContain('"exp"');
    const tooLong = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('supabase-user')
      .setAudience('authenticated')
      .setIssuedAt()
      .setExpirationTime('30d')
      .sign(privateKey);
    const b = await h.api('GET', path, { token: tooLong });
    expect(b.status).toBe(401);
    expect(((await b.json()) as { error: { message: string } }).error.message).toContain(
      '--jwt-max-lifetime',
    );
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });
});
