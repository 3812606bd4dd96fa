// The project grid's two views over real HTTP: "latest per plot" (the default: one card per
// collection and title, its newest ready version, with how many versions the filters pick)
// and "All versions" (view=all), with filters, keyset pagination and live cards in both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, publish, startHarness, upload } from './helpers.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let h: Harness;
let cookie: string;
beforeAll(async () => {
  h = await startHarness();
  const res = await fetch(`${h.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: FORM,
    body: new URLSearchParams({ token: await h.tokenFor(h.projectId, 'reader') }).toString(),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(() => h.close());

let n = 0;
/** Publishes a ready snapshot (a new commit each time, so each is a new version). */
async function version(title: string, extra: Record<string, unknown> = {}): Promise<string> {
  n += 1;
  const sha = n.toString(16).padStart(40, '0');
  const pub = await publish(h, {
    title,
    commit_sha: sha,
    artifacts: { plot: true, code: false },
    ...extra,
  });
  if (pub.status !== 201)
    throw new Error(`publish answered ${pub.status}: ${JSON.stringify(pub.body)}`);
  expect((await upload(pub.body.upload_urls.plot!, PNG, 'image/png')).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  return pub.body.snapshot_id;
}

const grid = async (query = '') => {
  const res = await fetch(`${h.url}/projects/${h.projectId}${query}`, {
    redirect: 'manual',
    headers: { cookie },
  });
  expect(res.status).toBe(200);
  return res.text();
};
const cardIds = (html: string) =>
  [...html.matchAll(/class="card[^"]*" data-id="([^"]+)"/g)].map((m) => m[1]);
const versionsOf = (html: string, id: string) =>
  new RegExp(`data-id="${id}"[\\s\\S]*?<span class="sub versions">([^<]+)</span>`).exec(html)?.[1];
const olderLink = (html: string) =>
  /href="([^"]+)">Older</.exec(html)?.[1]?.replaceAll('&amp;', '&');

describe('project grid views', () => {
  const ids: Record<string, string> = {};

  it('shows one card per plot, its newest version with "2 versions"; view=all shows both', async () => {
    ids.a1 = await version('alpha', { branch: 'main', collection: 'c1' });
    ids.a2 = await version('alpha', { branch: 'feature', collection: 'c1' });
    // The same title in another collection (and in none) is another plot.
    ids.b1 = await version('alpha', { branch: 'main' });
    const latest = await grid();
    expect(cardIds(latest)).toEqual([ids.b1, ids.a2]);
    expect(versionsOf(latest, ids.a2!)).toBe('2 versions');
    expect(versionsOf(latest, ids.b1!)).toBe('1 version');
    // The card names the branch the newest version is on.
    expect(latest).toMatch(new RegExp(`data-id="${ids.a2}"[\\s\\S]*?c1 · feature`));
    expect(latest).toContain('aria-current="page" href="/projects/proj_test">Latest per plot');
    const all = await grid('?view=all');
    expect(cardIds(all)).toEqual([ids.b1, ids.a2, ids.a1]);
    expect(all).not.toContain('class="sub versions"');
    expect(all).toContain('<input type="hidden" name="view" value="all">');
  });

  it('filters pick the snapshots first: by branch, the newest on that branch', async () => {
    const main = await grid('?branch=main');
    expect(cardIds(main)).toEqual([ids.b1, ids.a1]);
    expect(versionsOf(main, ids.a1!)).toBe('1 version');
    const feature = await grid('?branch=feature&collection=c1');
    expect(cardIds(feature)).toEqual([ids.a2]);
    expect(cardIds(await grid('?branch=main&view=all'))).toEqual([ids.b1, ids.a1]);
    expect(cardIds(await grid('?q=nothing-like-this'))).toEqual([]);
  });

  it('an unknown view is named and the latest view shown', async () => {
    const html = await grid('?view=everything');
    expect(html).toContain('View &quot;everything&quot; is not one of latest, all');
    expect(cardIds(html)).toEqual([ids.b1, ids.a2]);
  });

  it('pages the latest view by keyset, keeping filters and view', async () => {
    // 26 plots of two versions each, tagged so the page holds only them.
    const newest: string[] = [];
    for (let i = 0; i < 26; i++) {
      await version(`paged ${i}`, { tags: ['paged'] });
      newest.unshift(await version(`paged ${i}`, { tags: ['paged'] }));
    }
    const first = await grid('?tag=paged');
    expect(cardIds(first)).toEqual(newest.slice(0, 24));
    expect(first.match(/2 versions/g)).toHaveLength(24);
    const older = olderLink(first)!;
    expect(older).toMatch(/^\/projects\/proj_test\?tag=paged&cursor=snap_/);
    expect(older).not.toContain('view=');
    const second = await grid(older.replace('/projects/proj_test', ''));
    expect(cardIds(second)).toEqual(newest.slice(24));
    expect(olderLink(second)).toBeUndefined();
    // The all-versions view pages through every version, and its links keep view=all.
    const all = await grid('?tag=paged&view=all');
    expect(cardIds(all)).toHaveLength(24);
    expect(olderLink(all)).toMatch(/view=all/);
    let total = 0;
    let next: string | undefined = '?tag=paged&view=all';
    while (next) {
      const html = await grid(next);
      total += cardIds(html).length;
      next = olderLink(html)?.replace('/projects/proj_test', '');
    }
    expect(total).toBe(52);
  });

  it('live card: in the latest view only the newest version of its plot, with its count', async () => {
    const card = (id: string, q: string) =>
      fetch(`${h.url}/projects/${h.projectId}/cards/${id}${q}`, { headers: { cookie } });
    const fresh = await card(ids.a2!, '');
    expect(fresh.status).toBe(200);
    const markup = await fresh.text();
    expect(markup).toContain('2 versions');
    expect(markup).toContain('data-plot="[&quot;c1&quot;,&quot;alpha&quot;]"');
    // An older version is not its plot's latest: no card (the page keeps the newer one).
    expect((await card(ids.a1!, '')).status).toBe(204);
    expect((await card(ids.a1!, '?branch=main')).status).toBe(200);
    expect((await card(ids.a1!, '?view=all')).status).toBe(200);
    expect(await (await card(ids.a1!, '?view=all')).text()).not.toContain('versions');
  });
});
