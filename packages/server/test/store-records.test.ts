/**
 * The Store hands out domain values on both dialects: tags as an array, ci as an object, the
 * requested artifacts as booleans. Each column encoding (JSON text or text[], 0/1) stays in
 * src/data; the export files keep their format (tags as JSON text, 0/1), so old exports import.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/data/open-store.js';
import type { NewSnapshot } from '../src/data/records.js';
import type { Store } from '../src/data/store.js';
import { createTestDatabase, testDatabaseAdminUrl } from '../src/testing-postgres.js';
import { requirePostgres } from './replicas-helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

const NOW = '2026-01-01T00:00:00.000Z';
const CI = {
  provider: 'github-actions',
  run_id: '42',
  run_attempt: 2,
  job_url: 'https://github.com/o/r/actions/runs/42',
} as const;

const snapshot = (id: string, over: Partial<NewSnapshot> = {}): NewSnapshot => ({
  id,
  project_id: 'proj_rec',
  collection_id: null,
  title: 'loss',
  author: 'ana',
  description: null,
  tags: ['nightly', 'gpu', 'nightly'],
  repo_owner: 'o',
  repo_name: 'r',
  commit_sha: 'abc123',
  branch: 'main',
  pr_number: 7,
  ci: { ...CI },
  artifacts: { plot: true, code: false },
  checksums: { plot: 'a'.repeat(64), code: null },
  supersedes: null,
  created_at: NOW,
  ...over,
});

async function openSqliteStore(): Promise<Store> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sp-records-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openStore({ dataDir });
  cleanup.push(() => store.close());
  return store;
}

async function openPostgresStore(adminUrl: string): Promise<Store> {
  const database = await createTestDatabase(adminUrl);
  cleanup.push(database.drop);
  const dataDir = await mkdtemp(join(tmpdir(), 'sp-records-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openStore({ dataDir, databaseUrl: database.url });
  cleanup.push(() => store.close());
  return store;
}

function roundTrips(open: () => Promise<Store>) {
  it('returns tags, ci and artifacts as domain values, as they went in', async () => {
    const store = await open();
    await store.createProject({ id: 'proj_rec', owner_id: null, name: 'rec', created_at: NOW });
    await store.insertSnapshot(snapshot('snap_rec1'));
    await store.insertSnapshot(
      snapshot('snap_rec2', {
        tags: [],
        ci: null,
        artifacts: { plot: false, code: true },
        checksums: { plot: null, code: 'b'.repeat(64) },
        commit_sha: null,
        pr_number: null,
      }),
    );
    const one = (await store.getSnapshot('snap_rec1'))!;
    expect(one).toEqual({
      ...snapshot('snap_rec1'),
      collection: null,
      status: 'pending',
      plot_url: null,
      code_url: null,
      finalized_at: null,
      files: [],
    });
    expect(Array.isArray(one.tags)).toBe(true);
    expect(one.ci).toEqual(CI);
    expect(one.artifacts.plot).toBe(true);
    expect(one.artifacts.code).toBe(false);
    // No column name leaks into the record.
    for (const column of ['want_plot', 'want_code', 'checksum_plot', 'checksum_code']) {
      expect(one).not.toHaveProperty(column);
    }
    const two = (await store.getSnapshot('snap_rec2'))!;
    expect(two.tags).toEqual([]);
    expect(two.ci).toBeNull();
    expect(two.artifacts).toEqual({ plot: false, code: true });
    expect(two.checksums).toEqual({ plot: null, code: 'b'.repeat(64) });

    // The same decoding on every read path, and the tag filter sees each tag once.
    const { page } = await store.listSnapshots('proj_rec', { tag: 'nightly' }, 10);
    expect(page).toEqual([one]);
    expect(await store.findByNaturalKey('proj_rec', 'abc123', 'loss', null)).toEqual(one);
    expect(await store.countRows('snapshot_tags')).toBe(2);
  });

  it('keeps the export format (tags JSON text, 0/1 flags) and imports an old export line', async () => {
    const store = await open();
    await store.createProject({ id: 'proj_rec', owner_id: null, name: 'rec', created_at: NOW });
    await store.insertSnapshot(snapshot('snap_rec1'));
    const [row] = await store.dumpRows('snapshots');
    expect(row).toMatchObject({
      tags: '["nightly","gpu","nightly"]',
      ci: JSON.stringify(CI),
      want_plot: 1,
      want_code: 0,
      checksum_plot: 'a'.repeat(64),
      checksum_code: null,
    });
    // A line as exports have always written it, loaded into this backend.
    await store.loadRows('snapshots', [
      {
        ...row,
        id: 'snap_old',
        commit_sha: 'old',
        tags: '["legacy"]',
        ci: '{"provider":"local"}',
        want_plot: 0,
        want_code: 1,
      },
    ]);
    const old = (await store.getSnapshot('snap_old'))!;
    expect(old.tags).toEqual(['legacy']);
    expect(old.ci).toEqual({ provider: 'local' });
    expect(old.artifacts).toEqual({ plot: false, code: true });
    const dumped = (await store.dumpRows('snapshots')).find((r) => r.id === 'snap_old');
    expect(dumped).toMatchObject({ tags: '["legacy"]', want_plot: 0, want_code: 1 });
  });
}

describe('the store returns domain records on SQLite', () => {
  roundTrips(openSqliteStore);
});

const admin = testDatabaseAdminUrl();
describe.skipIf(!admin)('the store returns domain records on PostgreSQL', () => {
  requirePostgres();
  roundTrips(() => openPostgresStore(admin!));
});
