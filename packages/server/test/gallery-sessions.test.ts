// Gallery sessions over real HTTP: sign-in, cookie flags, CSRF, sign-out, revocation, login links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintLoginLink } from '../src/gallery/login-link.js';
import { publishReady } from './events-helpers.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let reader: string;

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(token: string, extra: Record<string, string> = {}) {
  return fetch(`${h.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...FORM, ...extra },
    body: form({ token, next: '/projects/proj_test' }),
  });
}

/** The `name=value` part of the session Set-Cookie. */
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

const get = (path: string, cookie?: string) =>
  fetch(`${h.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

beforeAll(async () => {
  h = await startHarness();
  reader = await h.tokenFor(h.projectId, 'reader');
});
afterAll(() => h.close());

describe('gallery sessions', () => {
  it('sends a signed-out browser to the sign-in page', async () => {
    const res = await get('/projects/proj_test?branch=main');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      '/signin?next=%2Fprojects%2Fproj_test%3Fbranch%3Dmain',
    );
    const page = await get('/signin');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('name="token"');
  });

  it('answers a bad token with a 401 page and no cookie', async () => {
    const res = await signIn('spt_notarealtokennotarealtokennotarealtoken');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('This token is not valid');
  });

  it('sets an httpOnly, SameSite=Lax, expiring cookie that names the token id, not the token', async () => {
    const res = await signIn(reader);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/projects/proj_test');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^snapshotplot_session=v1\./);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('Max-Age=43200');
    expect(setCookie).not.toContain('Secure'); // plain http here
    expect(setCookie).not.toContain(reader);
    const payload = JSON.parse(
      Buffer.from(cookieOf(res).split('.')[1]!, 'base64url').toString('utf8'),
    );
    expect(payload).toMatchObject({ k: 'token', id: expect.stringMatching(/^tok_/) });

    const cookie = cookieOf(res);
    expect((await get('/projects/proj_test', cookie)).status).toBe(200);
    // The API accepts the cookie for reads (GET), never for writes.
    expect((await get('/api/projects/proj_test/snapshots', cookie)).status).toBe(200);
    const del = await fetch(`${h.url}/api/snapshots/snap_x`, {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(del.status).toBe(401);
  });

  it('refuses a tampered cookie', async () => {
    const cookie = cookieOf(await signIn(reader));
    const [name, value] = cookie.split('=');
    const [v, data, sig] = value!.split('.');
    const forged = JSON.parse(Buffer.from(data!, 'base64url').toString('utf8'));
    forged.e += 3600;
    const tampered = `${name}=${v}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`;
    const res = await get('/projects/proj_test', tampered);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('/signin');
  });

  it('refuses a cross-site sign-in and a sign-out without the CSRF token', async () => {
    const cross = await signIn(reader, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();

    const cookie = cookieOf(await signIn(reader));
    const noCsrf = await fetch(`${h.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, cookie },
      body: form({}),
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get('set-cookie')).toBeNull();
    expect((await get('/projects/proj_test', cookie)).status).toBe(200);

    const page = await (await get('/projects/proj_test', cookie)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${h.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, cookie },
      body: form({ csrf }),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/snapshotplot_session=;.*Max-Age=0/);
  });

  it('ends the session server-side on sign-out: a copied cookie replayed later is refused', async () => {
    const cookie = cookieOf(await signIn(reader));
    const copy = cookie; // what an attacker lifted from the browser before sign-out
    const page = await (await get('/projects/proj_test', cookie)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${h.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, cookie },
      body: form({ csrf }),
    });
    expect(out.status).toBe(303);
    const replay = await get('/projects/proj_test', copy);
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toContain('/signin');
    const api = await get('/api/projects/proj_test/snapshots', copy);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    // Other sessions of the same token are untouched, and the server still answers.
    const other = cookieOf(await signIn(reader));
    expect((await get('/projects/proj_test', other)).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('refuses a session cookie the server has no record of (signed before sessions were stored)', async () => {
    const { signValue } = await import('../src/gallery/session.js');
    const store = h.server.context.store;
    const row = (await store.listTokens(h.projectId)).find((t) => reader.startsWith(t.prefix))!;
    const e = Math.floor(Date.now() / 1000) + 3600;
    const legacy = signValue(h.server.context.secret, 'session', {
      k: 'token',
      id: row.id,
      e,
      c: 'x',
    });
    const res = await get('/projects/proj_test', `snapshotplot_session=v1.${legacy}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('/signin');
  });

  it('ends the session on the next request once the token is revoked', async () => {
    const token = await h.tokenFor(h.projectId, 'reader');
    const cookie = cookieOf(await signIn(token));
    expect((await get('/projects/proj_test', cookie)).status).toBe(200);
    const store = h.server.context.store;
    const row = (await store.listTokens(h.projectId)).find((t) => token.startsWith(t.prefix))!;
    await store.revokeToken(row.id, new Date().toISOString());
    const page = await get('/projects/proj_test', cookie);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toContain('ended=1');
    expect(page.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await get('/api/projects/proj_test/snapshots', cookie)).status).toBe(401);
  });

  it('accepts a login link once, and refuses an expired one', async () => {
    const store = h.server.context.store;
    const token = await h.tokenFor(h.projectId, 'reader');
    const row = (await store.listTokens(h.projectId)).find((t) => token.startsWith(t.prefix))!;
    const secret = h.server.context.secret;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const link = mintLoginLink(secret, { baseUrl: h.url, tokenId: row.id, nowSeconds });
    const first = await fetch(link.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/projects/proj_test');
    expect(first.headers.get('set-cookie')).toMatch(/^snapshotplot_session=v1\./);
    const again = await fetch(link.url, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('already used');

    const old = mintLoginLink(secret, {
      baseUrl: h.url,
      tokenId: row.id,
      nowSeconds: nowSeconds - 601,
    });
    const expired = await fetch(old.url, { redirect: 'manual' });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain('expired');
    const forged = await fetch(`${link.url.slice(0, -3)}abc`, { redirect: 'manual' });
    expect(forged.status).toBe(401);
  });

  it('never redirects off-site after sign-in', async () => {
    const res = await fetch(`${h.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: FORM,
      body: form({ token: reader, next: '//evil.example/x' }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });

  it('escapes user text and sets web_url to the snapshot page', async () => {
    const id = await publishReady(h, '<script>window.owned=1</script> & "quotes"');
    const cookie = cookieOf(await signIn(reader));
    const html = await (await get('/projects/proj_test', cookie)).text();
    expect(html).not.toContain('<script>window.owned');
    expect(html).toContain('&lt;script&gt;window.owned=1&lt;/script&gt; &amp; &quot;quotes&quot;');
    const snap = await (await h.api('GET', `/api/snapshots/${id}`)).json();
    expect(snap.web_url).toBe(`${h.url}/projects/proj_test/snapshots/${id}`);
    const page = await get(new URL(snap.web_url).pathname, cookie);
    expect(page.status).toBe(200);
    // Sizes read as the CLI prints them (formatBytes from the api-client).
    expect(await page.text()).toMatch(/Download plot <small>\d+ bytes<\/small>/);
  });
});

describe('gallery sessions behind https', () => {
  it('marks the cookie Secure when the public URL is https', async () => {
    const s = await startHarness({ config: { publicUrl: 'https://plots.example.com' } });
    try {
      const token = await s.tokenFor(s.projectId, 'reader');
      const res = await fetch(`${s.url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...FORM, origin: 'https://plots.example.com' },
        body: form({ token }),
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toContain('Secure');
    } finally {
      await s.close();
    }
  });
});

describe('stored sessions', () => {
  it('prunes expired session rows when the server starts', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-sessions-'));
    let clock = Date.now();
    const now = () => new Date(clock);
    const first = await startHarness({ dataDir, now });
    let sessionId: string;
    try {
      const token = await first.tokenFor(first.projectId, 'reader');
      const res = await fetch(`${first.url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: FORM,
        body: form({ token }),
      });
      const payload = JSON.parse(
        Buffer.from(cookieOf(res).split('.')[1]!, 'base64url').toString('utf8'),
      ) as { s: string };
      sessionId = payload.s;
      expect(await first.server.context.store.getSession(sessionId)).toBeDefined();
    } finally {
      await first.server.close();
    }
    clock += 13 * 3600_000; // past the 12 h session lifetime
    const second = await startHarness({ dataDir, now });
    try {
      expect(await second.server.context.store.getSession(sessionId)).toBeUndefined();
    } finally {
      await second.server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
