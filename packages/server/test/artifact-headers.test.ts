/**
 * Uploaded bytes are served from the gallery's own origin, so they must never act as this
 * origin's script or page: a `text/javascript` code artifact served with its stored type
 * matches the gallery's `script-src 'self'`. Every artifact response is sandboxed, kept to
 * this origin and code goes out as text/plain; every gallery HTML response (pages, live card
 * fragments, error pages) carries the gallery's security headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReady } from './events-helpers.js';
import { errorOf, type Harness, PNG, publish, startHarness, upload } from './helpers.js';

const SCRIPT = Buffer.from('document.title = "owned"; fetch("/api/projects");\n');
const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/></svg>',
);

let h: Harness;
let codeSnap: string;
let codeUrl: string;
let svgSnap: string;
beforeAll(async () => {
  h = await startHarness();
  const pub = await publish(h, { title: 'js code', artifacts: { plot: true, code: true } });
  expect(pub.status).toBe(201);
  expect((await upload(pub.body.upload_urls.plot!, PNG, 'image/png')).status).toBe(200);
  expect((await upload(pub.body.upload_urls.code!, SCRIPT, 'text/javascript')).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  codeSnap = pub.body.snapshot_id;
  const svg = await publish(h, { title: 'svg plot' });
  expect((await upload(svg.body.upload_urls.plot!, SVG, 'image/svg+xml')).status).toBe(200);
  await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: svg.body.snapshot_id },
  });
  svgSnap = svg.body.snapshot_id;
  const meta = (await (await h.api('GET', `/api/snapshots/${codeSnap}`)).json()) as {
    code_url: string;
  };
  codeUrl = meta.code_url;
});
afterAll(() => h.close());

function expectArtifactHeaders(res: Response) {
  expect(res.headers.get('content-security-policy')).toMatch(/(^|; )sandbox(;|$)/);
  expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

describe('artifact responses', () => {
  it('serves a text/javascript code artifact as text/plain, sandboxed, same-origin only', async () => {
    for (const res of [
      await h.api('GET', `/api/snapshots/${codeSnap}/code`),
      await fetch(codeUrl), // the signed delivery URL, no bearer
      await h.api('HEAD', `/api/snapshots/${codeSnap}/code`),
      await h.api('GET', `/api/snapshots/${codeSnap}/code`, { headers: { range: 'bytes=0-3' } }),
    ]) {
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expectArtifactHeaders(res);
    }
    expect(Buffer.from(await (await fetch(codeUrl)).arrayBuffer())).toEqual(SCRIPT);
    // The API's metadata keeps the type the publisher stored.
    const meta = (await (await h.api('GET', `/api/snapshots/${codeSnap}`)).json()) as {
      files: { code: { content_type: string } };
    };
    expect(meta.files.code.content_type).toBe('text/javascript');
    const etag = (await h.api('GET', `/api/snapshots/${codeSnap}/code`)).headers.get('etag')!;
    const cached = await h.api('GET', `/api/snapshots/${codeSnap}/code`, {
      headers: { 'if-none-match': etag },
    });
    expect(cached.status).toBe(304);
    expectArtifactHeaders(cached);
  });

  it('serves plots with their stored type under the same headers', async () => {
    for (const [id, type] of [
      [codeSnap, 'image/png'],
      [svgSnap, 'image/svg+xml'],
    ] as const) {
      const res = await h.api('GET', `/api/snapshots/${id}/plot`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expectArtifactHeaders(res);
    }
  });

  it('refuses a bad delivery signature with JSON, and the server still answers', async () => {
    const res = await fetch(codeUrl.replace(/sig=[^&]+/, 'sig=AAAA'));
    expect((await errorOf(res)).code).toBe('invalid_token');
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe('gallery HTML responses', () => {
  it('carry the security headers on every page, fragment and error page', async () => {
    const signin = await fetch(`${h.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: await h.tokenFor(h.projectId, 'reader') }).toString(),
    });
    const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    const ready = await publishReady(h, 'another');
    const paths = [
      '/signin',
      '/',
      `/projects/${h.projectId}`,
      `/projects/${h.projectId}?branch=nope`,
      `/projects/${h.projectId}/snapshots/${codeSnap}`,
      `/projects/${h.projectId}/compare?a=${codeSnap}&b=${ready}`,
      `/projects/${h.projectId}/cards/${ready}`, // a live card fragment
      `/projects/${h.projectId}/snapshots/snap_missing`, // an HTML 404
      '/projects/proj_elsewhere', // not readable: an HTML error page
    ];
    for (const path of paths) {
      const res = await fetch(`${h.url}${path}`, { redirect: 'manual', headers: { cookie } });
      const type = res.headers.get('content-type') ?? '';
      if (!type.startsWith('text/html')) {
        expect([303, 204], `${path} answered ${res.status} ${type}`).toContain(res.status);
        continue;
      }
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const card = await fetch(`${h.url}/projects/${h.projectId}/cards/${ready}`, {
      headers: { cookie },
    });
    expect(card.status).toBe(200);
    expect(card.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
