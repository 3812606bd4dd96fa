import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/testing-github.js';

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await startFakeGitHub();
});
afterAll(() => gh.close());

const call = (method: string, path: string, body?: unknown, token = gh.token) =>
  fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('fake GitHub API', () => {
  it('refuses a wrong token and records the request', async () => {
    const res = await call('POST', '/repos/o/r/statuses/abc', { state: 'success' }, 'nope');
    expect(res.status).toBe(401);
    expect(gh.calls('createStatus')).toHaveLength(1);
    expect(gh.statuses).toHaveLength(0);
  });

  it('stores statuses and validates the state', async () => {
    expect((await call('POST', '/repos/o/r/statuses/abc', { state: 'bogus' })).status).toBe(422);
    const res = await call('POST', '/repos/o/r/statuses/abc', {
      state: 'pending',
      context: 'snapshotplot',
      target_url: 'http://x/review',
    });
    expect(res.status).toBe(201);
    expect(gh.statuses.at(-1)).toMatchObject({
      sha: 'abc',
      state: 'pending',
      context: 'snapshotplot',
    });
  });

  it('creates, paginates and edits comments', async () => {
    for (let i = 0; i < 3; i++) gh.addComment('o', 'r', 7, `other ${i}`);
    const created = await call('POST', '/repos/o/r/issues/7/comments', { body: 'mine' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const page1 = await call('GET', '/repos/o/r/issues/7/comments?per_page=2');
    expect(((await page1.json()) as unknown[]).length).toBe(2);
    const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const page2 = await fetch(next as string, { headers: { authorization: `token ${gh.token}` } });
    const rest = (await page2.json()) as Array<{ id: number; body: string }>;
    expect(rest.map((c) => c.body)).toEqual(['other 2', 'mine']);
    expect(page2.headers.get('link')).toBeNull();
    const patched = await call('PATCH', `/repos/o/r/issues/comments/${id}`, { body: 'edited' });
    expect(patched.status).toBe(200);
    expect(gh.comments.find((c) => c.id === id)?.body).toBe('edited');
    expect((await call('PATCH', '/repos/o/r/issues/comments/1', { body: 'x' })).status).toBe(404);
  });

  it('answers the merge base and injected failures', async () => {
    gh.mergeBases.set('main...feature', 'base-sha');
    const res = await call('GET', '/repos/o/r/compare/main...feature');
    expect(
      ((await res.json()) as { merge_base_commit: { sha: string } }).merge_base_commit.sha,
    ).toBe('base-sha');
    expect((await call('GET', '/repos/o/r/compare/x...y')).status).toBe(404);
    gh.fail('createComment', 403, 1);
    expect((await call('POST', '/repos/o/r/issues/7/comments', { body: 'a' })).status).toBe(403);
    expect((await call('POST', '/repos/o/r/issues/7/comments', { body: 'a' })).status).toBe(201);
    gh.fail('createStatus', 500);
    expect((await call('POST', '/repos/o/r/statuses/abc', { state: 'success' })).status).toBe(500);
    gh.reset();
    expect((await call('POST', '/repos/o/r/statuses/abc', { state: 'success' })).status).toBe(201);
  });
});
