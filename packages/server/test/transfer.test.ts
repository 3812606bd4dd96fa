/**
 * export -> import round trip: everything the source had (rows, artifact bytes, tokens, event
 * ids) is in the target. Source: SQLite, always, with this run's storage. Target: PostgreSQL
 * when SNAPSHOTPLOT_TEST_DATABASE_URL is set, else a new SQLite data dir; a fresh S3 prefix
 * under `pnpm test:s3`, else the new data dir's disk. The target is served by the built bin (run `pnpm build` first).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from 'snapshotplot-server/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/data/open-store.js';
import { TABLES } from '../src/data/store-transfer.js';
import { openWebhookSecret, webhookSecretKey } from '../src/data/webhook-secrets.js';
import { loadSecret } from '../src/secret.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { publishReady } from './events-helpers.js';
import { PNG, publish, sha256, startHarness } from './helpers.js';
import { suiteStorage } from './s3-env.js';
import { cli } from './webhooks-helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

const tempDir = async (name: string) => {
  const dir = await mkdtemp(join(tmpdir(), name));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

describe('snapshotplot-server export / import', () => {
  it('moves every row and file to a new install, verified by counts and hashes', async () => {
    const sourceDir = await tempDir('sp-export-src-');
    // The install being moved: SQLite + local disk whatever backend this run tests.
    const h = await startHarness({ dataDir: sourceDir, config: { databaseUrl: undefined } });
    const sqlite = { DATABASE_URL: '' };
    const source = suiteStorage(sourceDir)?.url; // S3 under `pnpm test:s3`, else the disk
    const sourceStorage = source ? ['--storage', source] : [];
    const ids = [await publishReady(h, 'one'), await publishReady(h, 'two')];
    const tagged = await publish(h, {
      title: 'tagged',
      collection: 'nightly',
      tags: ['a', 'b'],
      commit_sha: 'c'.repeat(40),
      artifacts: { plot: true, code: false },
    });
    expect(tagged.status).toBe(201); // stays pending: pending rows travel too
    const hook = JSON.parse(
      (
        await cli(
          [
            'webhook',
            'add',
            '--project',
            h.projectId,
            '--url',
            'http://127.0.0.1:9/hook',
            '--allow-private-webhooks',
            '--data-dir',
            sourceDir,
            '--json',
          ],
          sqlite,
        )
      ).stdout,
    ) as { id: string; secret: string };
    const before = await (await h.api('GET', `/api/snapshots/${ids[0]}`)).json();
    const token = h.token;
    await h.close();

    const exportDir = join(await tempDir('sp-export-'), 'out');
    const exported = await cli(
      ['export', '--to', exportDir, '--data-dir', sourceDir, '--json', ...sourceStorage],
      { ...(process.env as Record<string, string>), ...sqlite },
    );
    expect(exported.stderr).toBe('');
    const summary = JSON.parse(exported.stdout) as {
      tables: Record<string, number>;
      artifacts: number;
    };
    expect(summary.tables).toMatchObject({
      projects: 1,
      snapshots: 3,
      tokens: 1,
      events: 2,
      webhooks: 1,
    });
    expect(summary.artifacts).toBe(2);
    // Both artifacts are the same PNG: one shared object, exported once.
    const exportedFiles = await readdir(join(exportDir, 'files'), {
      recursive: true,
      withFileTypes: true,
    });
    expect(exportedFiles.filter((e) => e.isFile()).map((e) => e.name)).toEqual([sha256(PNG)]);
    expect((await readdir(join(exportDir, 'tables'))).length).toBe(TABLES.length);
    // The export holds what the data dir holds: owner-only, webhook secrets in clear (so a
    // target under another server secret can seal them again).
    expect((await stat(join(exportDir, 'tables'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(exportDir, 'manifest.json'))).mode & 0o777).toBe(0o600);
    const exportedHooks = await readFile(join(exportDir, 'tables', 'webhooks.jsonl'), 'utf8');
    expect(JSON.parse(exportedHooks).secret).toBe(hook.secret);
    // A second export into the same directory is refused rather than mixed.
    expect((await cli(['export', '--to', exportDir, '--data-dir', sourceDir], sqlite)).code).toBe(
      1,
    );

    const targetDir = await tempDir('sp-import-');
    const admin = testDatabaseAdminUrl();
    const env: Record<string, string> = {};
    if (admin) {
      const db = await createTestDatabase(admin);
      cleanup.push(db.drop);
      env.DATABASE_URL = db.url;
    }
    const s3 =
      process.env.SNAPSHOTPLOT_TEST_STORAGE === 's3' && process.env.SNAPSHOTPLOT_TEST_S3_URL;
    const storage = s3
      ? ['--storage', `${s3.replace(/\/+$/, '')}/${randomBytes(6).toString('hex')}`]
      : [];
    const imported = await cli(
      ['import', '--from', exportDir, '--data-dir', targetDir, '--json', ...storage],
      { ...(process.env as Record<string, string>), ...env },
    );
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toEqual(summary);
    // Importing twice would duplicate everything: refused.
    const again = await cli(['import', '--from', exportDir, '--data-dir', targetDir, ...storage], {
      ...(process.env as Record<string, string>),
      ...env,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('empty database');

    // Sealed again in the target, under the target's own server secret.
    const targetStore = await openStore({ dataDir: targetDir, databaseUrl: env.DATABASE_URL });
    const sealed = (await targetStore.getWebhook(hook.id))!.secret;
    await targetStore.close();
    expect(sealed).toMatch(/^enc:v1:/);
    const targetKey = webhookSecretKey(loadSecret(targetDir));
    expect(openWebhookSecret(targetKey, hook.id, sealed)).toBe(hook.secret);

    const target = await startTestServer({ dataDir: targetDir, env, args: storage });
    cleanup.push(() => target.stop());
    const auth = { authorization: `Bearer ${token}` };
    const after = (await (
      await fetch(`${target.url}/api/snapshots/${ids[0]}`, { headers: auth })
    ).json()) as typeof before & { plot_url: string };
    const strip = ({ plot_url, code_url, web_url, ...rest }: Record<string, unknown>) => rest;
    expect(strip(after)).toEqual(strip(before as Record<string, unknown>));
    const bytes = Buffer.from(await (await fetch(after.plot_url)).arrayBuffer());
    expect(sha256(bytes)).toBe(sha256(PNG));
    // The other artifact naming the same object reads the same bytes.
    const second = (await (
      await fetch(`${target.url}/api/snapshots/${ids[1]}`, { headers: auth })
    ).json()) as { plot_url: string };
    const secondBytes = Buffer.from(await (await fetch(second.plot_url)).arrayBuffer());
    expect(sha256(secondBytes)).toBe(sha256(PNG));
    const list = (await (
      await fetch(`${target.url}/api/projects/proj_test/snapshots?tag=b`, { headers: auth })
    ).json()) as { data: Array<{ tags: string[]; collection: string | null }> };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ tags: ['a', 'b'], collection: 'nightly' });
    // New events continue after the imported ids (identity sequences were reset).
    const pub = await fetch(`${target.url}/api/snapshots/publish`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: 'proj_test', title: 'after', artifacts: { plot: true } }),
    });
    const { snapshot_id, upload_urls } = (await pub.json()) as {
      snapshot_id: string;
      upload_urls: { plot: string };
    };
    await fetch(upload_urls.plot, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: PNG,
    });
    const fin = await fetch(`${target.url}/api/snapshots/finalize`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: 'proj_test', snapshot_id }),
    });
    expect(fin.status).toBe(200);
    const events = await fetch(`${target.url}/api/projects/proj_test/events?last_event_id=1`, {
      headers: auth,
    });
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes(snapshot_id))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    // Imported events 1 and 2 resume from the log; the new one is 3.
    expect(text).toMatch(/^id: ?2$/m);
    expect(text).toMatch(/^id: ?3$/m);
  });

  it('refuses an export whose storage key leaves files/, before importing anything', async () => {
    const exportDir = await tempDir('sp-crafted-');
    await mkdir(join(exportDir, 'tables'));
    await mkdir(join(exportDir, 'files', 'plots', 'p', 's'), { recursive: true });
    await writeFile(join(exportDir, 'files', 'plots', 'p', 's', 'plot.png'), PNG);
    await writeFile(join(exportDir, 'secret'), PNG);
    const artifact = (storage_key: string) => ({
      storage_key,
      sha256: sha256(PNG),
      size: PNG.length,
    });
    // A well-formed artifact first: checking keys one by one while copying would store it.
    const rows: Partial<Record<string, unknown[]>> = {
      projects: [{ id: 'proj_x', name: 'x', created_at: new Date().toISOString() }],
      artifacts: [artifact('plots/p/s/plot.png'), artifact('../secret')],
    };
    const tables = Object.fromEntries(TABLES.map((t) => [t, rows[t]?.length ?? 0]));
    for (const t of TABLES) {
      const lines = (rows[t] ?? []).map((r) => `${JSON.stringify(r)}\n`).join('');
      await writeFile(join(exportDir, 'tables', `${t}.jsonl`), lines);
    }
    const manifest = { format: 'snapshotplot-export', version: 1, tables, artifacts: 2, bytes: 0 };
    await writeFile(join(exportDir, 'manifest.json'), JSON.stringify(manifest));

    const targetDir = await tempDir('sp-crafted-target-');
    const imported = await cli(['import', '--from', exportDir, '--data-dir', targetDir]);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain('invalid storage key "../secret"');
    const files = await readdir(join(targetDir, 'files'), { recursive: true }).catch(() => []);
    expect(files.filter((f) => String(f).endsWith('.png'))).toEqual([]);
    const projects = await cli(['project', 'list', '--json', '--data-dir', targetDir]);
    expect(JSON.parse(projects.stdout)).toEqual([]);
  });

  it('refuses an export where two artifacts name one object with different hashes', async () => {
    const exportDir = await tempDir('sp-crafted-shared-');
    const key = `objects/p/${sha256(PNG).slice(0, 2)}/${sha256(PNG)}`;
    await mkdir(join(exportDir, 'tables'));
    await mkdir(join(exportDir, 'files', key, '..'), { recursive: true });
    await writeFile(join(exportDir, 'files', key), PNG);
    const rows: Partial<Record<string, unknown[]>> = {
      projects: [{ id: 'proj_x', name: 'x', created_at: new Date().toISOString() }],
      artifacts: [
        { storage_key: key, sha256: sha256(PNG), size: PNG.length },
        { storage_key: key, sha256: sha256('other'), size: PNG.length },
      ],
    };
    const tables = Object.fromEntries(TABLES.map((t) => [t, rows[t]?.length ?? 0]));
    for (const t of TABLES) {
      const lines = (rows[t] ?? []).map((r) => `${JSON.stringify(r)}\n`).join('');
      await writeFile(join(exportDir, 'tables', `${t}.jsonl`), lines);
    }
    const manifest = { format: 'snapshotplot-export', version: 1, tables, artifacts: 2, bytes: 0 };
    await writeFile(join(exportDir, 'manifest.json'), JSON.stringify(manifest));
    const targetDir = await tempDir('sp-crafted-shared-target-');
    const imported = await cli(['import', '--from', exportDir, '--data-dir', targetDir]);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain(`two artifacts name ${key} with different sha256 or size`);
    const files = await readdir(join(targetDir, 'files'), { recursive: true }).catch(() => []);
    expect(files.filter((f) => String(f).includes(sha256(PNG)))).toEqual([]);
  });

  // An export folder is untrusted input: a symlink inside it would make import read (and store,
  // hash-verified) a file from anywhere the importing user can read.
  const symlinkCases: Array<[string, (exportDir: string, outside: string) => Promise<void>]> = [
    [
      'an artifact file that is a symlink to a file outside',
      async (exportDir, outside) => {
        await writeFile(join(outside, 'stolen.png'), PNG);
        await mkdir(join(exportDir, 'files/plots/p/s2'));
        await symlink(join(outside, 'stolen.png'), join(exportDir, 'files/plots/p/s2/plot.png'));
      },
    ],
    [
      'a directory symlink on the way to an artifact',
      async (exportDir, outside) => {
        await mkdir(join(outside, 's2'));
        await writeFile(join(outside, 's2', 'plot.png'), PNG);
        await symlink(join(outside, 's2'), join(exportDir, 'files/plots/p/s2'));
      },
    ],
    [
      'a table file whose realpath leaves the folder',
      async (exportDir, outside) => {
        await mkdir(join(exportDir, 'files/plots/p/s2'));
        await writeFile(join(exportDir, 'files/plots/p/s2/plot.png'), PNG);
        await writeFile(join(outside, 'tokens.jsonl'), '');
        await rm(join(exportDir, 'tables', 'tokens.jsonl'));
        await symlink(join(outside, 'tokens.jsonl'), join(exportDir, 'tables', 'tokens.jsonl'));
      },
    ],
  ];
  /** An export of one project and two artifacts (s1 present, s2 left to `plant`), imported. */
  async function importCrafted(plant: (exportDir: string, outside: string) => Promise<void>) {
    const exportDir = await tempDir('sp-symlink-');
    const outside = await tempDir('sp-symlink-outside-');
    await mkdir(join(exportDir, 'tables'));
    await mkdir(join(exportDir, 'files', 'plots', 'p', 's1'), { recursive: true });
    await writeFile(join(exportDir, 'files', 'plots', 'p', 's1', 'plot.png'), PNG);
    const artifact = (storage_key: string) => ({
      storage_key,
      sha256: sha256(PNG),
      size: PNG.length,
    });
    const rows: Partial<Record<string, unknown[]>> = {
      projects: [{ id: 'proj_x', name: 'x', created_at: new Date().toISOString() }],
      artifacts: [artifact('plots/p/s1/plot.png'), artifact('plots/p/s2/plot.png')],
    };
    const tables = Object.fromEntries(TABLES.map((t) => [t, rows[t]?.length ?? 0]));
    for (const t of TABLES) {
      const lines = (rows[t] ?? []).map((r) => `${JSON.stringify(r)}\n`).join('');
      await writeFile(join(exportDir, 'tables', `${t}.jsonl`), lines);
    }
    const manifest = { format: 'snapshotplot-export', version: 1, tables, artifacts: 2, bytes: 0 };
    await writeFile(join(exportDir, 'manifest.json'), JSON.stringify(manifest));
    await plant(exportDir, outside);

    const targetDir = await tempDir('sp-symlink-target-');
    const imported = await cli(['import', '--from', exportDir, '--data-dir', targetDir]);
    return { imported, targetDir };
  }

  /** Nothing of the export reached the target. */
  async function expectNothingImported(targetDir: string) {
    const files = await readdir(join(targetDir, 'files'), { recursive: true }).catch(() => []);
    expect(files.filter((f) => String(f).endsWith('.png'))).toEqual([]);
    const projects = await cli(['project', 'list', '--json', '--data-dir', targetDir]);
    expect(JSON.parse(projects.stdout)).toEqual([]);
  }

  it.each(symlinkCases)('refuses %s, before importing anything', async (_name, plant) => {
    const { imported, targetDir } = await importCrafted(plant);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toMatch(/is a symbolic link: .*nothing was imported/);
    expect(imported.stderr.split('\n')).toHaveLength(1);
    await expectNothingImported(targetDir);
  });

  it('refuses an export with a missing artifact file, naming it, before importing anything', async () => {
    const { imported, targetDir } = await importCrafted(async () => {});
    expect(imported.code).toBe(1);
    expect(imported.stderr).toMatch(
      /files\/plots\/p\/s2\/plot\.png is missing: the export is incomplete; nothing was imported, export again/,
    );
    expect(imported.stderr).not.toMatch(/ENOENT/);
    expect(imported.stderr.split('\n')).toHaveLength(1);
    await expectNothingImported(targetDir);
  });
});
