/**
 * Identical artifacts are stored once per project (storage/objects.ts): the bytes live at
 * objects/{project}/{sha256[0:2]}/{sha256}, every artifacts row naming them is a reference,
 * and the object goes with its last reference (delete, retention, pending expiry). Over HTTP
 * on a real server; the storage is wrapped only to count writes and to see the moment an
 * upload checks for an existing object.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expirePending } from '../src/retention/expire-pending.js';
import { runRetention } from '../src/retention/run.js';
import { artifactKey, type Storage } from '../src/storage/storage.js';
import {
  errorOf,
  type Harness,
  objectOf,
  PNG,
  PY,
  publish,
  sha256,
  startHarness,
  upload,
} from './helpers.js';

let writes = 0;
let onStat: ((key: string) => void) | undefined;
const counting = (inner: Storage): Storage => ({
  async put(key, body, o) {
    writes++;
    return inner.put(key, body, o);
  },
  async stat(key) {
    onStat?.(key);
    return inner.stat(key);
  },
  get: inner.get.bind(inner),
  move: inner.move.bind(inner),
  delete: inner.delete.bind(inner),
  check: inner.check.bind(inner),
});

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness({ wrapStorage: counting });
  admin = await h.tokenFor(h.projectId, 'admin');
});
afterAll(() => h.close());

let n = 0;
/** Bytes no other test uses (objects are per content: tests must not share them). */
const unique = (label: string) => Buffer.concat([PNG, Buffer.from(` ${label} ${++n}`)]);
const objects = async () => (await h.files()).filter((f) => !f.startsWith('.tmp/'));
const finalize = (id: string) =>
  h.api('POST', '/api/snapshots/finalize', { json: { project_id: h.projectId, snapshot_id: id } });
const remove = (id: string) => h.api('DELETE', `/api/snapshots/${id}`, { token: admin });
const read = async (id: string, kind: 'plot' | 'code' = 'plot') => {
  const snap = (await (await h.api('GET', `/api/snapshots/${id}`)).json()) as Record<
    string,
    string
  >;
  return Buffer.from(await (await fetch(snap[`${kind}_url`]!)).arrayBuffer());
};

/** Publishes (announcing the checksum unless `announce` is false), uploads, finalizes. */
async function ready(bytes: Buffer, o: { announce?: boolean; branch?: string } = {}) {
  const p = await publish(h, {
    title: `t${++n}`,
    ...(o.branch ? { branch: o.branch } : {}),
    artifacts: { plot: true },
    ...(o.announce === false ? {} : { checksums: { plot: sha256(bytes) } }),
  });
  expect(p.status).toBe(201);
  expect((await upload(p.body.upload_urls.plot!, bytes)).status).toBe(200);
  expect((await finalize(p.body.snapshot_id)).status).toBe(200);
  return p.body.snapshot_id as string;
}

describe('identical artifacts are stored once', () => {
  it('two snapshots with the same plot share one object; it goes with the last of them', async () => {
    const bytes = unique('shared');
    const key = objectOf(h.projectId, bytes);
    const before = (await objects()).length;
    const a = await ready(bytes);
    const writesAfterFirst = writes;
    const b = await ready(bytes);
    // The checksum was announced and the object existed: the bytes were read, not written.
    expect(writes).toBe(writesAfterFirst);
    expect(await objects()).toContain(key);
    expect((await objects()).length).toBe(before + 1);
    expect((await remove(a)).status).toBe(200);
    expect(await objects()).toContain(key);
    expect((await read(b)).equals(bytes)).toBe(true);
    expect((await remove(b)).status).toBe(200);
    expect(await objects()).not.toContain(key);
    expect((await objects()).length).toBe(before);
  });

  it('an upload without a checksum is stored, then settles on the existing object', async () => {
    const bytes = unique('unannounced');
    const a = await ready(bytes, { announce: false });
    const b = await ready(bytes, { announce: false });
    expect((await objects()).filter((f) => f === objectOf(h.projectId, bytes))).toHaveLength(1);
    // The staged per-snapshot copy did not stay behind.
    expect((await objects()).filter((f) => f.includes(b))).toEqual([]);
    expect((await read(a)).equals(bytes)).toBe(true);
    expect((await read(b)).equals(bytes)).toBe(true);
  });

  it('each row keeps its own content type over a shared object', async () => {
    const p = await publish(h, { title: 'types', artifacts: { plot: false, code: true } });
    const q = await publish(h, { title: 'types 2', artifacts: { plot: false, code: true } });
    expect((await upload(p.body.upload_urls.code!, PY, 'text/x-python')).status).toBe(200);
    expect((await upload(q.body.upload_urls.code!, PY, 'text/x-r')).status).toBe(200);
    for (const s of [p, q]) expect((await finalize(s.body.snapshot_id)).status).toBe(200);
    const get = async (id: string) =>
      (await (await h.api('GET', `/api/snapshots/${id}`)).json()) as {
        files: { code: { content_type: string; sha256: string } };
      };
    expect((await get(p.body.snapshot_id)).files.code.content_type).toBe('text/x-python');
    expect((await get(q.body.snapshot_id)).files.code.content_type).toBe('text/x-r');
    expect((await objects()).filter((f) => f === objectOf(h.projectId, PY))).toHaveLength(1);
  });

  it('a checksum mismatch on a deduplicated upload is refused as usual and stores nothing', async () => {
    const bytes = unique('mismatch');
    const first = await ready(bytes);
    const before = await objects();
    const writesBefore = writes;
    const p = await publish(h, {
      title: 'mismatch',
      artifacts: { plot: true },
      checksums: { plot: sha256(bytes) },
    });
    const other = unique('not the published file');
    const res = await upload(p.body.upload_urls.plot!, other);
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'checksum_mismatch' });
    expect(writes).toBe(writesBefore);
    expect(await objects()).toEqual(before);
    expect((await read(first)).equals(bytes)).toBe(true);
    // The URL was not used up: the right bytes still go.
    expect((await upload(p.body.upload_urls.plot!, bytes)).status).toBe(200);
    expect((await finalize(p.body.snapshot_id)).status).toBe(200);
    expect(await objects()).toEqual(before);
  });

  it('direct publish stores shared bytes once too', async () => {
    const bytes = unique('direct');
    const direct = async (title: string) => {
      const fd = new FormData();
      fd.append('metadata', JSON.stringify({ project_id: h.projectId, title }));
      fd.append('plot', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'plot.png');
      const res = await fetch(`${h.url}/api/snapshots/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}` },
        body: fd,
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const a = await direct('direct a');
    const b = await direct('direct b');
    const key = objectOf(h.projectId, bytes);
    expect((await objects()).filter((f) => f === key)).toHaveLength(1);
    expect((await objects()).filter((f) => f.includes(a) || f.includes(b))).toEqual([]);
    expect((await remove(a)).status).toBe(200);
    expect((await read(b)).equals(bytes)).toBe(true);
    expect((await remove(b)).status).toBe(200);
    expect(await objects()).not.toContain(key);
  });

  it('quotas count logical bytes: a shared object still counts for every artifact', async () => {
    const project = await h.project('proj_dedupe_quota');
    const token = await h.tokenFor(project);
    const bytes = unique('quota');
    await h.server.context.store.setQuota(project, { max_bytes: bytes.length + 1 });
    const put = async () => {
      const p = await publish(
        h,
        { project_id: project, title: `q${++n}`, checksums: { plot: sha256(bytes) } },
        {},
        token,
      );
      return upload(p.body.upload_urls.plot!, bytes);
    };
    expect((await put()).status).toBe(200);
    expect(await errorOf(await put())).toMatchObject({ status: 507, code: 'quota_exceeded' });
    expect((await objects()).filter((f) => f === objectOf(project, bytes))).toHaveLength(1);
    // Another project's identical bytes are its own object.
    expect(objectOf(project, bytes)).not.toBe(objectOf(h.projectId, bytes));
  });

  it('retention keeps an object another snapshot still names and removes the rest', async () => {
    const project = await h.project('proj_dedupe_retention');
    const token = await h.tokenFor(project);
    const shared = unique('retention shared');
    const alone = unique('retention alone');
    const seed = async (bytes: Buffer) => {
      const p = await publish(
        h,
        { project_id: project, title: 'R', branch: 'feat', checksums: { plot: sha256(bytes) } },
        {},
        token,
      );
      expect((await upload(p.body.upload_urls.plot!, bytes)).status).toBe(200);
      const fin = await h.api('POST', '/api/snapshots/finalize', {
        json: { project_id: project, snapshot_id: p.body.snapshot_id },
        token,
      });
      expect(fin.status).toBe(200);
      return p.body.snapshot_id as string;
    };
    const oldShared = await seed(shared);
    const oldAlone = await seed(alone);
    const newest = await seed(shared);
    const { store, storage } = h.server.context;
    await store.putRetentionPolicy({
      project_id: project,
      collection: '',
      keep_per_title: 1,
      pr_days: null,
      created_at: new Date().toISOString(),
    });
    const r = await runRetention({ store, storage, now: () => new Date() }, { projectId: project });
    expect(r.deleted.map((d) => d.id).sort()).toEqual([oldShared, oldAlone].sort());
    expect(r.files_removed).toBe(2);
    const files = await objects();
    expect(files).toContain(objectOf(project, shared));
    expect(files).not.toContain(objectOf(project, alone));
    const snap = (await (await h.api('GET', `/api/snapshots/${newest}`, { token })).json()) as {
      plot_url: string;
    };
    expect(Buffer.from(await (await fetch(snap.plot_url)).arrayBuffer()).equals(shared)).toBe(true);
  });

  it('pending expiry keeps an object a ready snapshot names', async () => {
    const bytes = unique('pending');
    const kept = await ready(bytes);
    const p = await publish(h, {
      title: 'pending twin',
      artifacts: { plot: true },
      checksums: { plot: sha256(bytes) },
    });
    expect((await upload(p.body.upload_urls.plot!, bytes)).status).toBe(200);
    const { store, storage } = h.server.context;
    const later = () => new Date(Date.now() + 2 * 3600_000);
    const r = await expirePending({ store, storage, now: later }, 3600);
    expect(r.pending_expired).toBeGreaterThanOrEqual(1);
    expect((await h.api('GET', `/api/snapshots/${p.body.snapshot_id}`)).status).toBe(404);
    expect(await objects()).toContain(objectOf(h.projectId, bytes));
    expect((await read(kept)).equals(bytes)).toBe(true);
  });

  it('a deletion waits for the object lock: the bytes stay while an upload holds it', async () => {
    const bytes = unique('locked');
    const id = await ready(bytes);
    const key = objectOf(h.projectId, bytes);
    const unlock = (await h.server.context.store.tryLock(`object:${key}`))!;
    expect(unlock).toBeTruthy();
    const deleting = remove(id);
    // The row goes first (its own transaction), the object only under the lock.
    for (;;) {
      if ((await h.api('GET', `/api/snapshots/${id}`)).status === 404) break;
    }
    expect(await objects()).toContain(key);
    await unlock();
    expect((await deleting).status).toBe(200);
    expect(await objects()).not.toContain(key);
  });

  it('the last reference deleted while an upload of the same bytes is read: 503, then the retry stores them', async () => {
    const bytes = unique('race');
    const key = objectOf(h.projectId, bytes);
    const first = await ready(bytes);
    const p = await publish(h, {
      title: 'race',
      artifacts: { plot: true },
      checksums: { plot: sha256(bytes) },
    });
    const checked = new Promise<void>((resolve) => {
      onStat = (k) => {
        if (k === key) resolve();
      };
    });
    // The body is held back until the server has seen the object exists.
    const url = new URL(p.body.upload_urls.plot!);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'PUT',
          headers: { 'content-type': 'image/png', 'content-length': String(bytes.length) },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      void checked.then(async () => {
        onStat = undefined;
        // The last reference goes (and its object with it) while this upload is being read.
        expect((await remove(first)).status).toBe(200);
        expect(await objects()).not.toContain(key);
        req.end(bytes);
      });
    });
    const res = await answer;
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'storage_unavailable' } });
    // No row points at the missing object; the same URL works and stores the bytes afresh.
    const snap = await h.server.context.store.getSnapshot(p.body.snapshot_id);
    expect(snap!.files).toEqual([]);
    expect((await upload(p.body.upload_urls.plot!, bytes)).status).toBe(200);
    expect((await finalize(p.body.snapshot_id)).status).toBe(200);
    expect(await objects()).toContain(key);
    expect((await read(p.body.snapshot_id)).equals(bytes)).toBe(true);
  });

  it('rows from before 0009 (per-snapshot keys) are read and deleted as before', async () => {
    const bytes = unique('legacy');
    const p = await publish(h, { title: 'legacy', artifacts: { plot: true } });
    const id = p.body.snapshot_id as string;
    const legacy = artifactKey('plot', h.projectId, id, 'png');
    const { store, storage } = h.server.context;
    const { Readable } = await import('node:stream');
    const stored = await storage.put(legacy, Readable.from([bytes]), { maxBytes: 1 << 20 });
    await store.putArtifact({
      snapshot_id: id,
      kind: 'plot',
      storage_key: legacy,
      content_type: 'image/png',
      size: stored.size,
      sha256: stored.sha256,
      created_at: new Date().toISOString(),
    });
    expect((await finalize(id)).status).toBe(200);
    expect((await read(id)).equals(bytes)).toBe(true);
    expect(await objects()).toContain(legacy);
    expect((await remove(id)).status).toBe(200);
    expect(await objects()).not.toContain(legacy);
  });
});
