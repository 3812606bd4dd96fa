/**
 * Pending snapshots expire (--pending-ttl): the start-up and periodic sweeps delete the rows of
 * snapshots still pending after the TTL, with their uploaded files, and log what they removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, objectOf, PNG, publish, startHarness, upload } from './helpers.js';
import { eventually } from './webhooks-helpers.js';

const HOUR = 3600_000;
let clock = Date.parse('2026-03-01T00:00:00Z');
const now = () => new Date(clock);
const open: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A logger whose JSON lines are kept, to assert what the sweep reported. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function start(dataDir: string, config: Record<string, unknown> = {}, logger?: pino.Logger) {
  const h = await startHarness({ dataDir, now, logger, config: { pendingTtl: 3600, ...config } });
  open.push(h);
  return h;
}

const sha = (c: string) => c.repeat(40);
/** Distinct bytes per snapshot: identical ones would share one stored object. */
const bytesOf = (name: string) => Buffer.concat([PNG, Buffer.from(name)]);

describe('pending snapshot expiry', () => {
  it('the start-up sweep deletes expired pending snapshots and their files, keeps the rest', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-pending-'));
    dirs.push(dataDir);
    let h = await start(dataDir);
    const body = { title: 'Loss', commit_sha: sha('a') };
    const key = { 'idempotency-key': 'pending-expiry-1' };
    const stale = await publish(h, body, key);
    expect(stale.status).toBe(201);
    expect((await upload(stale.body.upload_urls.plot!, bytesOf('stale'))).status).toBe(200);
    // A ready snapshot of the same age, which expiry must not touch.
    const ready = await publish(h, { title: 'Ready', commit_sha: sha('b') });
    expect((await upload(ready.body.upload_urls.plot!, bytesOf('ready'))).status).toBe(200);
    const fin = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: ready.body.snapshot_id },
    });
    expect(fin.status).toBe(200);
    const filesBefore = await h.files();
    expect(filesBefore).toContain(objectOf(h.projectId, bytesOf('stale')));

    clock += 2 * HOUR;
    // Pending but younger than the TTL: kept.
    const young = await publish(h, { title: 'Young', commit_sha: sha('c') });
    expect((await upload(young.body.upload_urls.plot!, bytesOf('young'))).status).toBe(200);
    await h.close();
    open.length = 0;
    const log = capture();
    h = await start(dataDir, {}, log.logger);

    expect((await h.api('GET', `/api/snapshots/${stale.body.snapshot_id}`)).status).toBe(404);
    expect((await h.api('GET', `/api/snapshots/${ready.body.snapshot_id}`)).status).toBe(200);
    expect((await h.api('GET', `/api/snapshots/${young.body.snapshot_id}`)).status).toBe(200);
    const files = await h.files();
    expect(files).not.toContain(objectOf(h.projectId, bytesOf('stale')));
    expect(files).toContain(objectOf(h.projectId, bytesOf('ready')));
    expect(files).toContain(objectOf(h.projectId, bytesOf('young')));
    const swept = log.lines.find((l) => l.pending_expired !== undefined);
    expect(swept).toMatchObject({ level: 30, pending_expired: 1, files_removed: 1 });

    // The same publish retried (same key, same body) starts afresh and can be completed.
    const again = await publish(h, body, key);
    expect(again.status).toBe(201);
    expect(again.body.snapshot_id).not.toBe(stale.body.snapshot_id);
    expect((await upload(again.body.upload_urls.plot!, PNG)).status).toBe(200);
    const done = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: again.body.snapshot_id },
    });
    expect(done.status).toBe(200);
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('the periodic sweep expires pending snapshots while the server runs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-pending-'));
    dirs.push(dataDir);
    const h = await start(dataDir, { sweepIntervalMs: 100 });
    const stale = await publish(h, { title: 'Later', commit_sha: sha('d') });
    expect((await upload(stale.body.upload_urls.plot!, bytesOf('stale'))).status).toBe(200);
    clock += 2 * HOUR;
    await eventually(
      async () => (await h.api('GET', `/api/snapshots/${stale.body.snapshot_id}`)).status === 404,
    );
    await eventually(
      async () => !(await h.files()).includes(objectOf(h.projectId, bytesOf('later'))),
    );
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('a bad --pending-ttl names the setting', async () => {
    const { resolveConfig } = await import('../src/config.js');
    expect(resolveConfig({ pendingTtl: '24h' }, {}).pendingTtl).toBe(86400);
    expect(resolveConfig({}, { SNAPSHOTPLOT_PENDING_TTL: '90m' }).pendingTtl).toBe(5400);
    expect(resolveConfig({}, {}).pendingTtl).toBe(86400);
    expect(() => resolveConfig({ pendingTtl: 'soon' }, {})).toThrow(/--pending-ttl/);
  });

  it('a start-up sweep that fails (storage down) is logged and the server starts anyway', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-pending-fail-'));
    dirs.push(dataDir);
    let h = await start(dataDir);
    const stale = await publish(h, { title: 'Stale', commit_sha: sha('d') });
    expect((await upload(stale.body.upload_urls.plot!, PNG)).status).toBe(200);
    await h.close();
    open.length = 0;
    clock += 2 * HOUR;
    const log = capture();
    const eio = () => Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    h = await startHarness({
      dataDir,
      now,
      logger: log.logger,
      config: { pendingTtl: 3600 },
      wrapStorage: (inner) => ({
        ...inner,
        put: inner.put.bind(inner),
        get: inner.get.bind(inner),
        stat: inner.stat.bind(inner),
        move: inner.move.bind(inner),
        check: inner.check.bind(inner),
        delete: async () => {
          throw eio();
        },
      }),
    });
    open.push(h);
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
    expect(log.lines.some((l) => l.msg === 'the clean-up sweep failed; it runs again later')).toBe(
      true,
    );
  });
});
