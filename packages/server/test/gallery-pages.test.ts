// Gallery pages over real HTTP: JWT users and the project list, pagination, live-card
// filtering, cards' thumbnails for every plot type, and the `login-link` admin command
// against a running server.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseEnv } from '../src/testing.js';
import { publishReady } from './events-helpers.js';
import { type Harness, startHarness } from './helpers.js';
import { pdfFile, plotlyFigure, publishPlot, vegaLiteChart } from './plot-fixtures.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const JWT_SECRET = 'gallery-test-secret-gallery-test-secret';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ config: { jwtSecret: JWT_SECRET } });
});
afterAll(() => h.close());

async function session(token: string) {
  const res = await fetch(`${h.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: FORM,
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const page = (path: string, cookie: string) =>
  fetch(`${h.url}${path}`, { redirect: 'manual', headers: { cookie } });

describe('gallery pages', () => {
  it('signs a JWT user in and lists the projects they are a member of', async () => {
    const store = h.server.context.store;
    await h.project('proj_other');
    await h.project('proj_hidden');
    const now = new Date().toISOString();
    await store.upsertMember('proj_test', 'user-42', 'reader', now);
    await store.upsertMember('proj_other', 'user-42', 'reader', now);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-42')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const cookie = await session(jwt);
    const home = await page('/', cookie);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('href="/projects/proj_test"');
    expect(html).toContain('href="/projects/proj_other"');
    expect(html).not.toContain('proj_hidden');
    expect((await page('/projects/proj_hidden', cookie)).status).toBe(404);
    // Membership is re-read per request: removing it removes access at once.
    await store.removeMember('proj_other', 'user-42');
    expect((await page('/projects/proj_other', cookie)).status).toBe(404);
  });

  it('pages with an "Older" link, keeping the filters', async () => {
    for (let i = 0; i < 26; i++) await publishReady(h, `plot ${String(i).padStart(2, '0')}`);
    const cookie = await session(await h.tokenFor(h.projectId, 'reader'));
    const first = await (await page('/projects/proj_test?q=plot', cookie)).text();
    expect(first.match(/class="card"/g)).toHaveLength(24);
    expect(first).toContain('<strong>plot 25</strong>');
    const older = /href="([^"]+)">Older</.exec(first)![1]!.replaceAll('&amp;', '&');
    expect(older).toMatch(/^\/projects\/proj_test\?q=plot&cursor=snap_/);
    const second = await (await page(older, cookie)).text();
    expect(second.match(/class="card"/g)).toHaveLength(2);
    expect(second).toContain('<strong>plot 00</strong>');
    expect(second).not.toContain('>Older<');
    expect(second).toContain('>Newest<');
  });

  it('serves a live card only when it matches the page filters', async () => {
    const id = await publishReady(h, 'live one');
    const cookie = await session(await h.tokenFor(h.projectId, 'reader'));
    const hit = await page(`/projects/proj_test/cards/${id}?q=live`, cookie);
    expect(hit.status).toBe(200);
    expect(await hit.text()).toContain('class="card new"');
    expect((await page(`/projects/proj_test/cards/${id}?branch=elsewhere`, cookie)).status).toBe(
      204,
    );
    expect((await page('/projects/proj_test/cards/snap_nope', cookie)).status).toBe(404);
  });

  it('gives every card its /thumbs/ thumbnail, a kind badge and a sized box; live cards too', async () => {
    const kinds = [
      {
        title: 'vl-card',
        type: 'application/vnd.vegalite.v5+json',
        bytes: JSON.stringify(vegaLiteChart(['a', 'b'])),
        badge: 'Vega-Lite · interactive',
        alt: 'vl-card (Vega-Lite chart, interactive when opened)',
      },
      {
        title: 'pdf-card',
        type: 'application/pdf',
        bytes: pdfFile('report', [120, 80]),
        badge: 'PDF',
        alt: 'pdf-card (PDF, first page)',
      },
      {
        title: 'plotly-card',
        type: 'application/vnd.plotly.v1+json',
        bytes: JSON.stringify(plotlyFigure()),
        badge: 'Plotly · interactive',
        alt: 'plotly-card (Plotly chart, interactive when opened)',
      },
    ];
    const ids = [];
    for (const k of kinds)
      ids.push(await publishPlot(h, k, { title: k.title, collection: 'kinds' }));
    const png = await publishReady(h, 'png-card');
    const cookie = await session(await h.tokenFor(h.projectId, 'reader'));
    const grid = await (await page('/projects/proj_test?collection=kinds', cookie)).text();
    expect(grid).not.toContain('class="tile"');
    const cardOf = (markup: string, id: string) => {
      const at = markup.indexOf(`data-id="${id}"`);
      expect(at).toBeGreaterThan(-1);
      return markup.slice(at, markup.indexOf('</a>', at));
    };
    const thumb = (id: string) =>
      new RegExp(
        `<div class="thumb"><img src="${h.url}/thumbs/${id}\\?expires=\\d+&amp;sig=[\\w-]+" alt="([^"]+)" width="480" height="300" loading="lazy" decoding="async">(?:<span class="kind-badge">([^<]+)</span>)?</div>`,
      );
    for (const [i, k] of kinds.entries()) {
      const m = thumb(ids[i]!).exec(cardOf(grid, ids[i]!));
      expect(m, k.title).not.toBeNull();
      expect([m![1], m![2]]).toEqual([k.alt, k.badge]);
      // The live-update fragment the page script inserts is the same card, marked new.
      const live = await (
        await page(`/projects/proj_test/cards/${ids[i]}?collection=kinds`, cookie)
      ).text();
      expect(thumb(ids[i]!).exec(live)?.[0]).toBe(m![0]);
    }
    // A plain image: its thumbnail, no badge.
    const all = await (await page('/projects/proj_test?q=png-card', cookie)).text();
    const m = thumb(png).exec(cardOf(all, png));
    expect([m?.[1], m?.[2]]).toEqual(['png-card', undefined]);
    // The thumbnail behind a Plotly card is the typed placeholder, a WebP.
    const src = thumb(ids[2]!)
      .exec(grid)![0]
      .match(/src="([^"]+)"/)![1]!
      .replaceAll('&amp;', '&');
    const res = await fetch(src);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
  });

  it('login-link mints a working single-use link while the server runs', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        bin,
        'login-link',
        '--project',
        h.projectId,
        '--url',
        h.url,
        '--data-dir',
        h.dataDir,
        '--json',
      ],
      { env: { ...process.env, ...testDatabaseEnv(['--data-dir', h.dataDir]) } },
    );
    const out = JSON.parse(stdout) as { url: string; token_id: string; expires_at: string };
    expect(out.token_id).toMatch(/^tok_/);
    expect(Date.parse(out.expires_at) - Date.now()).toBeLessThanOrEqual(600_000);
    const first = await fetch(out.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect((await page('/projects/proj_test', cookie)).status).toBe(200);
    expect((await fetch(out.url, { redirect: 'manual' })).status).toBe(401);
    const bad = await run(
      process.execPath,
      [bin, 'login-link', '--project', 'nope', '--data-dir', h.dataDir],
      { env: { ...process.env, ...testDatabaseEnv(['--data-dir', h.dataDir]) } },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain('Project nope does not exist');
  });
});
