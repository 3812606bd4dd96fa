/**
 * Files at rest: a fresh data dir and everything the server writes into it is readable by the
 * server's user only (dirs 0700, files 0600), and an install made with looser modes is
 * tightened at start; webhook signing secrets are stored encrypted, never in clear, and
 * deliveries still verify with the secret the operator was given.
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReady } from './events-helpers.js';
import { BACKEND, type Harness, PNG, PY, publish, startHarness, upload } from './helpers.js';
import { suiteStorage } from './s3-env.js';
import {
  cli,
  eventually,
  expectedSignature,
  type Receiver,
  startReceiver,
} from './webhooks-helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

const freshDataDir = async () => {
  const parent = await mkdtemp(join(tmpdir(), 'sp-at-rest-'));
  cleanup.push(() => rm(parent, { recursive: true, force: true }));
  return join(parent, 'data'); // does not exist yet: the server creates it
};
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** Every entry under `dir` with its mode, e.g. ['files/plots', 0o700]. */
async function modesUnder(dir: string): Promise<Array<[string, number, boolean]>> {
  const out: Array<[string, number, boolean]> = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name);
    out.push([path.slice(dir.length + 1), await modeOf(path), e.isDirectory()]);
  }
  return out;
}

const onDisk = (dataDir: string) => !suiteStorage(dataDir)?.url;

describe('the data dir at rest', () => {
  it('creates the data dir 0700 and the database, WAL, SHM, secret and artifacts 0600', async () => {
    const dataDir = await freshDataDir();
    const h = await startHarness({ dataDir });
    cleanup.push(() => h.close());
    const pub = await publish(h, { title: 'modes', artifacts: { plot: true, code: true } });
    expect((await upload(pub.body.upload_urls.plot!, PNG)).status).toBe(200);
    expect((await upload(pub.body.upload_urls.code!, PY, 'text/x-python')).status).toBe(200);
    const fin = await h.api('POST', '/api/snapshots/finalize', {
      json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
    });
    expect(fin.status).toBe(200);

    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, 'secret.key'))).toBe(0o600);
    const entries = await modesUnder(dataDir);
    const names = entries.map(([name]) => name);
    if (BACKEND === 'sqlite') {
      expect(names).toEqual(
        expect.arrayContaining(['snapshotplot.db', 'snapshotplot.db-wal', 'snapshotplot.db-shm']),
      );
    }
    if (onDisk(dataDir)) {
      // One content-addressed object per distinct file (storage/objects.ts).
      const object = /^files\/objects\/[^/]+\/[0-9a-f]{2}\/[0-9a-f]{64}$/;
      expect(names.filter((n) => object.test(n))).toHaveLength(2);
    }
    for (const [name, mode, isDir] of entries) {
      expect([name, mode.toString(8)]).toEqual([name, isDir ? '700' : '600']);
    }
  });

  it('tightens an install written with looser modes when it starts', async () => {
    const dataDir = await freshDataDir();
    const first = await startHarness({ dataDir });
    await publishReady(first, 'before');
    await first.close();
    const loose: string[] = [dataDir, join(dataDir, 'secret.key')];
    if (BACKEND === 'sqlite') loose.push(join(dataDir, 'snapshotplot.db'));
    for (const path of loose) await chmod(path, path === dataDir ? 0o755 : 0o644);
    const h = await startHarness({ dataDir });
    cleanup.push(() => h.close());
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, 'secret.key'))).toBe(0o600);
    if (BACKEND === 'sqlite') expect(await modeOf(join(dataDir, 'snapshotplot.db'))).toBe(0o600);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe('webhook signing secrets at rest', () => {
  let rx: Receiver;
  let h: Harness;
  const fast = { retryDelaysMs: [0, 30, 30], pollIntervalMs: 20, timeoutMs: 400 };
  beforeAll(async () => {
    rx = await startReceiver();
    cleanup.push(() => rx.close());
  });

  const add = async (dataDir: string, path: string) => {
    const r = await cli([
      'webhook',
      'add',
      '--project',
      'proj_test',
      '--url',
      `${rx.url}${path}`,
      '--allow-private-webhooks',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { id: string; secret: string };
  };

  /** The database's bytes (SQLite file and WAL), where a secret in clear would show. */
  const databaseBytes = async (dataDir: string) =>
    Buffer.concat(
      await Promise.all(
        ['snapshotplot.db', 'snapshotplot.db-wal'].map((f) =>
          readFile(join(dataDir, f)).catch(() => Buffer.alloc(0)),
        ),
      ),
    );

  it('stores the secret encrypted and still signs deliveries with it', async () => {
    h = await startHarness({ config: { allowPrivateWebhooks: true }, webhooks: fast });
    cleanup.push(() => h.close());
    const hook = await add(h.dataDir, '/sealed');
    const row = await h.server.context.store.getWebhook(hook.id);
    expect(row!.secret).toMatch(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(row!.secret).not.toContain(hook.secret.slice('whsec_'.length));
    if (BACKEND === 'sqlite') {
      const bytes = await databaseBytes(h.dataDir);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(hook.secret.slice('whsec_'.length))).toBe(false);
      expect(bytes.includes(Buffer.from(hook.secret.slice('whsec_'.length), 'base64'))).toBe(false);
    }
    await publishReady(h, 'signed');
    await rx.until(() => rx.at('/sealed').length === 1);
    const got = rx.at('/sealed')[0]!;
    expect(got.headers['webhook-signature']).toBe(expectedSignature(hook.secret, got));
  });

  it('encrypts a secret stored in clear by an earlier version when the server starts', async () => {
    const dataDir = await freshDataDir();
    const first = await startHarness({ dataDir, config: { allowPrivateWebhooks: true } });
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    await first.server.context.store.insertWebhook({
      id: 'wh_legacy',
      project_id: first.projectId,
      url: `${rx.url}/legacy`,
      events: JSON.stringify(['snapshot.ready']),
      secret,
      created_at: new Date().toISOString(),
      disabled_at: null,
      disabled_reason: null,
    });
    await first.close();
    const h2 = await startHarness({
      dataDir,
      config: { allowPrivateWebhooks: true },
      webhooks: fast,
    });
    cleanup.push(() => h2.close());
    const sealed = await eventually(async () => {
      const row = await h2.server.context.store.getWebhook('wh_legacy');
      return row?.secret.startsWith('enc:v1:') ? row.secret : undefined;
    });
    expect(sealed).not.toContain(secret.slice('whsec_'.length));
    await publishReady(h2, 'legacy');
    await rx.until(() => rx.at('/legacy').length === 1);
    const got = rx.at('/legacy')[0]!;
    expect(got.headers['webhook-signature']).toBe(expectedSignature(secret, got));
  });
});

describe('admin commands on a shared database', () => {
  it('refuse to make up a server secret: webhook add and login-link exit 2 and write nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-no-secret-'));
    try {
      // Never reached: the secret is resolved before the database is opened.
      const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
      const add = await cli(
        [
          'webhook',
          'add',
          '--project',
          'proj_x',
          '--url',
          'http://127.0.0.1:9/p',
          '--allow-private-webhooks',
          '--data-dir',
          dataDir,
        ],
        env,
      );
      const link = await cli(['login-link', '--project', 'proj_x', '--data-dir', dataDir], env);
      for (const r of [add, link]) {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/set SNAPSHOTPLOT_SECRET to the value `serve` uses/);
      }
      expect(await readdir(dataDir)).toEqual([]);
      const short = await cli(['login-link', '--project', 'proj_x', '--data-dir', dataDir], {
        ...env,
        SNAPSHOTPLOT_SECRET: 'too-short',
      });
      expect(short).toMatchObject({ code: 2 });
      expect(short.stderr).toMatch(/at least 32 characters/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
