import { PublishResponseSchema } from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, PNG, publish, sha256, startHarness, upload } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const count = async (title: string) =>
  (await h.server.context.store.listSnapshots(h.projectId, { title }, 100)).page.length;
const finalize = (id: string) =>
  h.api('POST', '/api/snapshots/finalize', { json: { project_id: h.projectId, snapshot_id: id } });

describe('Idempotency-Key', () => {
  it('replays the same snapshot for the same key and body, with the original status', async () => {
    const a = await publish(h, { title: 'idem 1' }, { 'idempotency-key': 'key-1' });
    const b = await publish(h, { title: 'idem 1' }, { 'idempotency-key': 'key-1' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.snapshot_id).toBe(a.body.snapshot_id);
    // The replay carries a fresh, usable upload URL for the missing artifact.
    expect(PublishResponseSchema.parse(b.body).upload_urls.plot).toBeTruthy();
    expect(await count('idem 1')).toBe(1);
  });

  it('422 idempotency_key_reused for the same key with another body; nothing written', async () => {
    await publish(h, { title: 'idem 2' }, { 'idempotency-key': 'key-2' });
    const r = await publish(h, { title: 'idem 2 changed' }, { 'idempotency-key': 'key-2' });
    expect([r.status, r.body.error?.code]).toEqual([422, 'idempotency_key_reused']);
    expect(await count('idem 2 changed')).toBe(0);
  });

  it('keys are per principal: another token may use the same key', async () => {
    const other = await h.tokenFor(h.projectId);
    const a = await publish(h, { title: 'idem 3' }, { 'idempotency-key': 'key-3' });
    const b = await publish(h, { title: 'idem 3b' }, { 'idempotency-key': 'key-3' }, other);
    expect([a.status, b.status]).toEqual([201, 201]);
  });

  it('50 concurrent identical publishes with one key produce exactly one snapshot', async () => {
    const all = await Promise.all(
      Array.from({ length: 50 }, () =>
        publish(h, { title: 'fifty keyed' }, { 'idempotency-key': 'key-50' }),
      ),
    );
    const statuses = all.map((r) => r.status);
    expect(statuses).toEqual(Array(50).fill(201));
    expect(new Set(all.filter((r) => r.status === 201).map((r) => r.body.snapshot_id)).size).toBe(
      1,
    );
    expect(await count('fifty keyed')).toBe(1);
  });
});

describe('natural key (project, commit_sha, title, collection)', () => {
  it('50 concurrent identical publishes without a key produce exactly one snapshot', async () => {
    const body = {
      title: 'fifty natural',
      commit_sha: 'abc1234',
      collection: 'c1',
      checksums: { plot: sha256(PNG) },
    };
    const all = await Promise.all(Array.from({ length: 50 }, () => publish(h, body)));
    const ids = new Set(all.map((r) => r.body.snapshot_id));
    expect(ids.size).toBe(1);
    expect(all.filter((r) => r.status === 201)).toHaveLength(1);
    expect(all.filter((r) => r.status === 200)).toHaveLength(49);
    expect(await count('fifty natural')).toBe(1);
  });

  it('pending: returns the same snapshot with fresh URLs only for what is missing', async () => {
    const body = {
      title: 'nat pending',
      commit_sha: 'abc1234',
      artifacts: { plot: true, code: true },
    };
    const first = await publish(h, body);
    expect((await upload(first.body.upload_urls.plot!, PNG)).status).toBe(200);
    const again = await publish(h, body);
    expect(again.status).toBe(200);
    expect(again.body.snapshot_id).toBe(first.body.snapshot_id);
    expect(Object.keys(again.body.upload_urls)).toEqual(['code']);
    expect(again.body.upload_urls.code).not.toBe(first.body.upload_urls.code);
  });

  it('ready with the same checksums: 200, status ready, no upload URLs', async () => {
    const body = { title: 'nat ready', commit_sha: 'abc1234', checksums: { plot: sha256(PNG) } };
    const first = await publish(h, body);
    await upload(first.body.upload_urls.plot!, PNG);
    expect((await finalize(first.body.snapshot_id)).status).toBe(200);
    const again = await publish(h, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      snapshot_id: first.body.snapshot_id,
      status: 'ready',
      upload_urls: {},
      expires_at: null,
    });
  });

  it('ready with different checksums, or replace:true: a new snapshot that supersedes it', async () => {
    const body = { title: 'nat rerun', commit_sha: 'abc1234', checksums: { plot: sha256(PNG) } };
    const first = await publish(h, body);
    await upload(first.body.upload_urls.plot!, PNG);
    await finalize(first.body.snapshot_id);
    const rerun = await publish(h, { ...body, checksums: { plot: sha256('new plot') } });
    expect(rerun.status).toBe(201);
    expect(rerun.body.supersedes).toBe(first.body.snapshot_id);
    const forced = await publish(h, { title: 'nat rerun', commit_sha: 'abc1234', replace: true });
    expect(forced.status).toBe(201);
    expect(forced.body.supersedes).toBe(rerun.body.snapshot_id);
    // A different collection is a different key.
    const elsewhere = await publish(h, { ...body, collection: 'other' });
    expect([elsewhere.status, elsewhere.body.supersedes]).toEqual([201, null]);
  });
});

describe('finalize', () => {
  it('409 missing_artifacts naming them; then ok, ready, URLs filled; again ok', async () => {
    const p = await publish(h, { title: 'fin', artifacts: { plot: true, code: true } });
    const early = await finalize(p.body.snapshot_id);
    const e = await errorOf(early);
    expect(e).toMatchObject({
      status: 409,
      code: 'missing_artifacts',
      details: { missing: ['plot', 'code'] },
    });
    expect(e.message).toContain('plot and code');
    await upload(p.body.upload_urls.plot!, PNG);
    expect((await errorOf(await finalize(p.body.snapshot_id))).details).toEqual({
      missing: ['code'],
    });
    const snap = await (await h.api('GET', `/api/snapshots/${p.body.snapshot_id}`)).json();
    expect(snap).toMatchObject({ status: 'pending', plot_url: null, finalized_at: null });
    await upload(p.body.upload_urls.code!, Buffer.from('print(1)'), 'text/x-python');
    const ok = await finalize(p.body.snapshot_id);
    expect(await ok.json()).toMatchObject({ status: 'ok', snapshot: { status: 'ready' } });
    const again = await finalize(p.body.snapshot_id);
    expect([again.status, ((await again.json()) as { status: string }).status]).toEqual([
      200,
      'ok',
    ]);
    const ready = (await (await h.api('GET', `/api/snapshots/${p.body.snapshot_id}`)).json()) as {
      plot_url: string;
      code_url: string;
    };
    expect(ready.plot_url).toContain(`/api/snapshots/${p.body.snapshot_id}/plot?`);
    expect(ready.code_url).toContain('/code?');
  });

  it("404 for an unknown snapshot, another project's snapshot, and 403 for a foreign project", async () => {
    expect(await errorOf(await finalize('snap_unknown'))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    await h.project('proj_fin_other');
    const otherToken = await h.tokenFor('proj_fin_other');
    const theirs = await publish(
      h,
      { project_id: 'proj_fin_other', title: 'theirs' },
      {},
      otherToken,
    );
    expect(await errorOf(await finalize(theirs.body.snapshot_id))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const foreign = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: 'proj_fin_other', snapshot_id: theirs.body.snapshot_id },
    });
    expect(await errorOf(foreign)).toMatchObject({ status: 403, code: 'forbidden' });
    const snap = await h.server.context.store.getSnapshot(theirs.body.snapshot_id);
    expect(snap!.status).toBe('pending');
  });
});
