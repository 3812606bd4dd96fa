/**
 * Plot review over HTTP against a real server: baselines (merge base, branch fallback),
 * states, superseded snapshots, `removed` once the head set is complete, reviews that apply
 * and lapse, roles, errors, the signed difference image, comparison.ready on SSE, and the
 * GitHub commit status after a review (against the fake GitHub REST server).
 */
import type { Comparison, ComparisonItem } from '@snapshotplot/api-client/contract';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/testing-github.js';
import { openEvents } from './events-helpers.js';
import { errorOf, type Harness, publish, startHarness, upload } from './helpers.js';

const MAIN1 = 'a'.repeat(40);
const MAIN2 = 'b'.repeat(40);
const HEAD = 'c0ffee1'.padEnd(40, '0');

/** A white 40×30 PNG with the pixels `dots` painted red. */
async function png(dots: Array<[number, number]> = [], w = 40, h = 30): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 4, 255);
  for (const [x, y] of dots) {
    const i = (y * w + x) * 4;
    px[i + 1] = 0;
    px[i + 2] = 0;
  }
  return sharp(px, { raw: { width: w, height: h, channels: 4 } })
    .png()
    .toBuffer();
}

let h: Harness;
let gh: FakeGitHub;
let reader: string;

async function ready(
  title: string,
  bytes: Buffer,
  meta: Record<string, unknown>,
  collection: string | null = null,
): Promise<string> {
  const pub = await publish(h, {
    title,
    collection,
    repo_owner: 'octo',
    repo_name: 'plots',
    ...meta,
  });
  expect(pub.status).toBe(201);
  expect((await upload(pub.body.upload_urls.plot!, bytes)).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  return pub.body.snapshot_id;
}

const path = `/api/projects/proj_test`;
async function get(query: string, token?: string): Promise<Comparison> {
  const res = await h.api('GET', `${path}/comparisons?${query}`, token ? { token } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as Comparison;
}
const item = (c: Comparison, title: string): ComparisonItem => {
  const found = c.items.find((i) => i.title === title);
  if (!found) throw new Error(`no item ${title} in ${c.items.map((i) => i.title)}`);
  return found;
};

let accHead: string;
beforeAll(async () => {
  gh = await startFakeGitHub();
  h = await startHarness({ config: { githubToken: gh.token, githubApiUrl: gh.url } });
  reader = await h.tokenFor(h.projectId, 'reader');
  const main1 = { branch: 'main', commit_sha: MAIN1 };
  await ready('Loss', await png(), main1);
  await ready('Acc', await png([[1, 1]]), main1);
  await ready('Gone', await png([[2, 2]]), main1);
  await ready('Grid', await png(), main1, 'figs');
  // A later main commit: the branch fallback's newest, but not the merge base.
  const main2 = { branch: 'main', commit_sha: MAIN2 };
  await ready(
    'Acc',
    await png([
      [1, 1],
      [3, 3],
      [4, 4],
    ]),
    main2,
  );
  await ready('Gone', await png([[2, 2]]), main2);
  await ready('Grid', await png(), main2, 'figs');
  const head = { branch: 'feature', commit_sha: HEAD, pr_number: 7 };
  await ready('Loss', await png(), head);
  // Published twice at the head: only the newer one (the one-pixel change) counts.
  await ready(
    'Acc',
    await png([
      [1, 1],
      [9, 9],
      [10, 10],
    ]),
    head,
  );
  accHead = await ready(
    'Acc',
    await png([
      [1, 1],
      [5, 5],
    ]),
    { ...head, replace: true },
  );
  await ready('New', await png([[7, 7]]), head);
  await ready('Grid', await png(), head, 'figs');
});
afterAll(async () => {
  await h?.close();
  await gh?.close();
});

describe('comparisons', () => {
  it('compares with the merge base: changed, new, unchanged; no removed before compare', async () => {
    const c = await get(`head=${HEAD}&base=${MAIN1}`, reader);
    expect(c.complete).toBe(false);
    expect(c.items.map((i) => [i.state, i.title])).toEqual([
      ['changed', 'Acc'],
      ['new', 'New'],
      ['unchanged', 'Loss'],
      ['unchanged', 'Grid'],
    ]);
    const acc = item(c, 'Acc');
    expect(acc).toMatchObject({ baseline_rule: 'merge_base', needs_review: true, review: null });
    expect(acc.head?.id).toBe(accHead);
    expect(acc.base?.commit_sha).toBe(MAIN1);
    expect(acc.diff).toMatchObject({
      method: 'pixels',
      compared: true,
      width: 40,
      height: 30,
      changed_pixels: 1,
      tolerance: 0,
    });
    expect(acc.diff?.ratio).toBeCloseTo(1 / 1200);
    expect(item(c, 'New')).toMatchObject({
      base: null,
      baseline_rule: 'none',
      needs_review: false,
    });
    expect(item(c, 'Loss').diff).toBeNull();
    expect(c.summary).toMatchObject({
      changed: 1,
      new: 1,
      unchanged: 2,
      removed: 0,
      unreviewed: 1,
    });
    expect(c.status).toBe('pending');
    expect(c.description).toBe('1 changed, 1 new, 2 unchanged');
    expect(c.pr_number).toBe(7);
    expect(c.review_url).toBe(`${h.url}/projects/proj_test/review?head=${HEAD}&base=${MAIN1}`);
  });

  it('falls back to the newest snapshot on the base branch without a usable merge base', async () => {
    for (const q of [`head=${HEAD}`, `head=${HEAD}&base=${'d'.repeat(40)}`]) {
      const acc = item(await get(q), 'Acc');
      expect(acc.baseline_rule).toBe('base_branch');
      expect(acc.base?.commit_sha).toBe(MAIN2);
      expect(acc.diff?.changed_pixels).toBe(3);
    }
    const none = await get(`head=${HEAD}&base_branch=release`);
    expect(none.items.every((i) => i.state === 'new' && i.baseline_rule === 'none')).toBe(true);
    const figs = await get(`head=${HEAD}&base=${MAIN1}&collection=figs`);
    expect(figs.items.map((i) => [i.collection, i.title, i.state])).toEqual([
      ['figs', 'Grid', 'unchanged'],
    ]);
  });

  it('takes an abbreviated head, and answers 404 for a head with no snapshot', async () => {
    expect((await get(`head=${HEAD.slice(0, 7)}&base=${MAIN1}`)).head_sha).toBe(HEAD);
    const res = await h.api('GET', `${path}/comparisons?head=${'e'.repeat(40)}`);
    expect(await errorOf(res)).toMatchObject({ status: 404, code: 'not_found' });
    const bad = await h.api('GET', `${path}/comparisons`);
    expect(bad.status).toBe(400);
  });

  it('lists removed plots once the head set is complete, and emits comparison.ready', async () => {
    const sse = await openEvents(h, h.projectId, { token: reader });
    const res = await h.api('POST', `${path}/comparisons`, {
      json: { head: HEAD, base: MAIN1, pr_number: 7 },
    });
    expect(res.status).toBe(200);
    const c = (await res.json()) as Comparison;
    expect(c.complete).toBe(true);
    expect(item(c, 'Gone')).toMatchObject({
      state: 'removed',
      head: null,
      needs_review: true,
      baseline_rule: 'merge_base',
    });
    expect(c.description).toBe('1 changed, 1 removed, 1 new, 2 unchanged');
    await sse.until((s) => s.frames.some((f) => f.event === 'comparison.ready'));
    const frame = sse.frames.find((f) => f.event === 'comparison.ready')!;
    const event = JSON.parse(frame.data!);
    expect(event.data).toMatchObject({ head_sha: HEAD, complete: true, status: 'pending' });
    expect(event.data.items).toBeUndefined();
    sse.close();
    // A later read knows the head set is complete, and its base.
    expect(item(await get(`head=${HEAD}`), 'Gone').state).toBe('removed');
  });

  it('lets a publisher review, not a reader; needs-no-review items are a 409', async () => {
    const denied = await h.api('POST', `${path}/reviews`, {
      token: reader,
      json: { head: HEAD, decision: 'approved' },
    });
    expect(denied.status).toBe(403);
    const notReviewable = await h.api('POST', `${path}/reviews`, {
      json: { head: HEAD, decision: 'approved', items: [{ collection: null, title: 'New' }] },
    });
    expect(await errorOf(notReviewable)).toMatchObject({ status: 409, code: 'not_reviewable' });
    const unknown = await h.api('POST', `${path}/reviews`, {
      json: { head: HEAD, decision: 'approved', items: [{ collection: null, title: 'Nope' }] },
    });
    expect(unknown.status).toBe(404);

    const one = await h.api('POST', `${path}/reviews`, {
      json: { head: HEAD, decision: 'approved', items: [{ collection: null, title: 'Acc' }] },
    });
    expect(one.status).toBe(200);
    const partly = (await one.json()) as Comparison;
    expect(item(partly, 'Acc').review).toMatchObject({ decision: 'approved' });
    expect(item(partly, 'Acc').review?.reviewer).toMatch(/^tok_/);
    expect(partly.status).toBe('pending');

    const all = await h.api('POST', `${path}/reviews`, {
      json: { head: HEAD, decision: 'approved' },
    });
    const done = (await all.json()) as Comparison;
    expect(done.status).toBe('success');
    expect(done.summary).toMatchObject({ approved: 2, unreviewed: 0, changes_requested: 0 });
    // The commit status went to GitHub with the review page as target.
    const status = gh.statuses.at(-1)!;
    expect(status).toMatchObject({
      owner: 'octo',
      repo: 'plots',
      sha: HEAD,
      state: 'success',
      context: 'snapshotplot',
      target_url: done.review_url,
    });
    expect(status.description).toContain('2 approved');

    const rejected = await h.api('POST', `${path}/reviews`, {
      json: {
        head: HEAD,
        decision: 'changes_requested',
        items: [{ collection: null, title: 'Gone' }],
      },
    });
    expect(((await rejected.json()) as Comparison).status).toBe('failure');
    expect(gh.statuses.at(-1)?.state).toBe('failure');
  });

  it('keeps the review when GitHub fails', async () => {
    gh.fail('createStatus', 500, 1);
    const res = await h.api('POST', `${path}/reviews`, {
      json: { head: HEAD, decision: 'approved', items: [{ collection: null, title: 'Gone' }] },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Comparison).status).toBe('success');
  });

  it('serves the difference image by signed URL or bearer, refuses a forged signature', async () => {
    const acc = item(await get(`head=${HEAD}&base=${MAIN1}`), 'Acc');
    const url = acc.diff!.diff_url!;
    expect(url).toMatch(
      new RegExp(`/api/snapshots/${accHead}/diff/${acc.base!.id}\\?expires=\\d+&sig=`),
    );
    const signed = await fetch(url);
    expect(signed.status).toBe(200);
    expect(signed.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await signed.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([40, 30]);
    const etag = signed.headers.get('etag')!;
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const forged = await fetch(url.replace(/sig=./, 'sig=A'));
    expect(forged.status).toBe(401);
    const bearer = await h.api('GET', new URL(url).pathname, { token: reader });
    expect(bearer.status).toBe(200);
    const same = await h.api('GET', `/api/snapshots/${accHead}/diff/${accHead}`, { token: reader });
    expect(await errorOf(same)).toMatchObject({ status: 409, code: 'not_reviewable' });
  });

  it('lapses reviews when the head is re-published, and applies tolerance', async () => {
    expect(item(await get(`head=${HEAD}`), 'Acc').review?.decision).toBe('approved');
    const newer = await ready(
      'Acc',
      await png([
        [1, 1],
        [6, 6],
      ]),
      {
        branch: 'feature',
        commit_sha: HEAD,
        replace: true,
      },
    );
    const c = await get(`head=${HEAD}`);
    expect(item(c, 'Acc')).toMatchObject({ review: null, state: 'changed' });
    expect(item(c, 'Acc').head?.id).toBe(newer);
    expect(c.status).toBe('pending');
    await h.server.context.store.setProjectTolerance(h.projectId, 0.01);
    expect(item(await get(`head=${HEAD}`), 'Acc')).toMatchObject({
      state: 'unchanged',
      needs_review: false,
    });
    await h.server.context.store.setProjectTolerance(h.projectId, 0);
    await h.server.context.store.setOnChange(h.projectId, 'failure');
    expect((await get(`head=${HEAD}`)).status).toBe('failure');
  });
});
