import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../src/storage/storage.js';
import { realEnospc } from '../src/testing.js';
import { errorOf, type Harness, objectOf, PNG, publish, startHarness, upload } from './helpers.js';
import { SUITE_ON_S3 } from './s3-env.js';

let fault: 'ENOSPC' | 'EIO' | null = null;
let healthy = true;
/** Passes bytes to the real disk storage, then fails mid-stream like a full disk would. */
const faulty = (inner: Storage): Storage => ({
  ...inner,
  get: inner.get.bind(inner),
  stat: inner.stat.bind(inner),
  move: inner.move.bind(inner),
  delete: inner.delete.bind(inner),
  check: () => (healthy ? inner.check() : Promise.reject(realEnospc())),
  put(key, body, o) {
    if (!fault) return inner.put(key, body, o);
    const kind = fault;
    let seen = 0;
    const failing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > 4) {
          const err =
            kind === 'ENOSPC'
              ? realEnospc()
              : Object.assign(new Error('EIO: i/o error, write'), {
                  code: 'EIO',
                  errno: -5,
                  syscall: 'write',
                });
          cb(err);
        } else cb(null, chunk);
      },
    });
    // pipeline attaches error handlers to both ends; inner.put sees the error via iteration.
    pipeline(body, failing, () => {});
    return inner.put(key, failing, o);
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ wrapStorage: faulty });
});
afterAll(() => h.close());

// Disk faults (ENOSPC, EIO) of the local-disk storage: not applicable under `pnpm test:s3`.
describe.skipIf(SUITE_ON_S3)('storage faults', () => {
  it('a full disk (real ENOSPC) is 507 with Retry-After; temp file removed; the URL still works', async () => {
    expect(realEnospc()).toMatchObject({ code: 'ENOSPC' });
    const p = await publish(h, { title: 'full disk' });
    fault = 'ENOSPC';
    const res = await upload(p.body.upload_urls.plot!, Buffer.concat([PNG, PNG, PNG]));
    fault = null;
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await errorOf(res)).toMatchObject({ status: 507, code: 'insufficient_storage' });
    expect(await readdir(join(h.dataDir, 'files', '.tmp'))).toEqual([]);
    expect((await h.files()).filter((f) => f.includes(p.body.snapshot_id))).toEqual([]);
    expect(await h.files()).not.toContain(objectOf(h.projectId, Buffer.concat([PNG, PNG, PNG])));
    expect((await h.server.context.store.getSnapshot(p.body.snapshot_id))!.files).toEqual([]);
    const retry = await upload(p.body.upload_urls.plot!, PNG);
    expect(retry.status).toBe(200);
  });

  it('an I/O error is 503 storage_unavailable with Retry-After', async () => {
    const p = await publish(h, { title: 'io error' });
    fault = 'EIO';
    const res = await upload(p.body.upload_urls.plot!, Buffer.concat([PNG, PNG]));
    fault = null;
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(await errorOf(res)).toMatchObject({ status: 503, code: 'storage_unavailable' });
    expect(await readdir(join(h.dataDir, 'files', '.tmp'))).toEqual([]);
    expect((await upload(p.body.upload_urls.plot!, PNG)).status).toBe(200);
  });

  it('/healthz answers 503 degraded when storage cannot be written', async () => {
    healthy = false;
    const res = await fetch(`${h.url}/healthz`);
    healthy = true;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      database: 'ok',
      storage: 'error',
    });
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});
