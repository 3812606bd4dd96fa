/**
 * Single use of upload URLs since migration 0014: the artifact row keeps the URL's nonce, so
 * one insert both stores the upload and spends the URL. A URL spent before the migration (its
 * nonce in consumed_upload_nonces) stays spent; a URL whose upload failed stays usable; a
 * second URL for an artifact already stored is the plain conflict, not upload_url_used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadToken, readUploadToken } from '../src/auth/upload-tokens.js';
import { errorOf, type Harness, PNG, publish, sha256, startHarness, upload } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

let n = 0;
async function fresh(body: Record<string, unknown> = {}) {
  const p = await publish(h, { title: `nonce test ${n++}`, ...body });
  expect(p.status).toBe(201);
  return p.body;
}

const nonceOf = (url: string) => {
  const token = new URL(url).searchParams.get('token')!;
  return readUploadToken(h.server.context.secret, token)!.n;
};

describe('upload URLs are single use through the artifact row', () => {
  it('the stored row carries the nonce, and the URL is then refused as used', async () => {
    const p = await fresh();
    const url = p.upload_urls.plot!;
    expect((await upload(url, PNG)).status).toBe(200);
    const rows = await h.server.context.store.uploadTarget(p.snapshot_id, nonceOf(url));
    expect(rows?.nonceUsed).toBe(true);
    expect(await errorOf(await upload(url, PNG))).toMatchObject({
      status: 409,
      code: 'upload_url_used',
    });
  });

  it('a URL spent before the migration (consumed_upload_nonces) is still refused, nothing stored', async () => {
    const p = await fresh();
    const url = p.upload_urls.plot!;
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(
      await h.server.context.store.consumeNonce(nonceOf(url), p.snapshot_id, 'plot', later, now),
    ).toBe(true);
    expect(await errorOf(await upload(url, PNG))).toMatchObject({
      status: 409,
      code: 'upload_url_used',
    });
    expect((await h.server.context.store.getSnapshot(p.snapshot_id))!.files).toEqual([]);
  });

  it('a refused upload (checksum mismatch) leaves the URL usable', async () => {
    const p = await fresh({ checksums: { plot: sha256(PNG) } });
    const url = p.upload_urls.plot!;
    const other = Buffer.concat([PNG, Buffer.from('x')]);
    expect((await upload(url, other)).status).toBe(400);
    expect((await upload(url, PNG)).status).toBe(200);
  });

  it('another URL for an artifact already stored is a conflict, not upload_url_used', async () => {
    const p = await fresh();
    expect((await upload(p.upload_urls.plot!, PNG)).status).toBe(200);
    // A second valid URL for the same snapshot and kind (another nonce), as a second writer.
    const token = createUploadToken(h.server.context.secret, {
      snapshotId: p.snapshot_id,
      kind: 'plot',
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    });
    const second = `${h.url}/upload/plot/${p.snapshot_id}?token=${token}`;
    expect(await errorOf(await upload(second, PNG))).toMatchObject({
      status: 409,
      code: 'conflict',
    });
    expect((await h.server.context.store.getSnapshot(p.snapshot_id))!.files).toHaveLength(1);
  });
});
