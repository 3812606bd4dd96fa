/**
 * Retention policies (`retention set|list|remove|run`, `serve --retention`): keep the newest N
 * per title on branches other than the project's default branch, and delete pull-request
 * snapshots N days after the PR's last publish. Deletion is DELETE /api/snapshots/:id's path.
 */
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { CliError } from '../src/errors.js';
import { testDatabaseEnv } from '../src/testing.js';
import { openEvents } from './events-helpers.js';
import { type Harness, objectOf, PNG, startHarness } from './helpers.js';
import { suiteStorage } from './s3-env.js';

const DAY = 86400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
let clock = T0;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock) });
});
afterAll(() => h.close());

/** Runs the admin CLI in-process at `at`, with the harness's database and storage. */
async function cli(args: string[], at = T0 + 10 * DAY) {
  let stdout = '';
  let stderr = '';
  const storage = suiteStorage(h.dataDir)?.url;
  const full = [
    ...args,
    '--data-dir',
    h.dataDir,
    ...(storage && args[1] === 'run' ? ['--storage', storage] : []),
  ];
  const program = buildProgram({
    env: { ...process.env, ...testDatabaseEnv(full) },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    now: () => new Date(at),
  });
  try {
    await program.parseAsync(full, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CliError) return { code: error.exitCode, stdout, stderr: error.message };
    if (error instanceof CommanderError) return { code: 2, stdout, stderr };
    throw error;
  }
}

let seq = 0;
/** A ready snapshot published (direct upload) on `day`. */
async function seed(
  day: number,
  m: { title: string; branch: string; pr_number?: number; collection?: string },
): Promise<string> {
  clock = T0 + day * DAY + seq * 1000;
  seq += 1;
  const fd = new FormData();
  const commit = seq.toString(16).padStart(40, '0');
  fd.append('metadata', JSON.stringify({ project_id: h.projectId, commit_sha: commit, ...m }));
  const plot = Buffer.concat([PNG, Buffer.from(`seed ${seq}`)]);
  fd.append('plot', new Blob([new Uint8Array(plot)], { type: 'image/png' }), 'plot.png');
  const res = await fetch(`${h.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}` },
    body: fd,
  });
  expect(res.status).toBe(201);
  const id = ((await res.json()) as { id: string }).id;
  plots.set(id, plot);
  return id;
}

const exists = async (id: string) => (await h.api('GET', `/api/snapshots/${id}`)).status === 200;
/** Each seeded snapshot's distinct plot bytes (identical ones would share one object). */
const plots = new Map<string, Buffer>();
const filesOf = async (id: string) =>
  (await h.files()).filter((f) => f === objectOf(h.projectId, plots.get(id)!));

describe('retention', () => {
  const doomed: string[] = [];
  const kept: string[] = [];

  it('seeds snapshots on main, a feature branch, PRs and a collection', async () => {
    for (const d of [0, 1, 2]) kept.push(await seed(d, { title: 'A', branch: 'main' }));
    for (const d of [0, 1]) doomed.push(await seed(d, { title: 'A', branch: 'feat' }));
    for (const d of [2, 3]) kept.push(await seed(d, { title: 'A', branch: 'feat' }));
    kept.push(await seed(0, { title: 'B', branch: 'feat' }));
    // PR 7's last publish was on day 1: older than 5 days at day 10.
    doomed.push(await seed(0, { title: 'P', branch: 'fix-7', pr_number: 7 }));
    doomed.push(await seed(1, { title: 'Q', branch: 'fix-7', pr_number: 7 }));
    // PR 8 published again on day 9: all of it stays.
    kept.push(await seed(0, { title: 'P', branch: 'fix-8', pr_number: 8 }));
    kept.push(await seed(9, { title: 'Q', branch: 'fix-8', pr_number: 8 }));
    // Collection "exp" has its own policy (keep 1, no PR rule), which replaces the project's.
    doomed.push(await seed(0, { title: 'A', branch: 'feat', collection: 'exp' }));
    kept.push(await seed(1, { title: 'A', branch: 'feat', collection: 'exp' }));
    kept.push(await seed(0, { title: 'R', branch: 'fix-7', pr_number: 7, collection: 'exp' }));
  });

  it('set and list policies', async () => {
    const a = await cli([
      'retention',
      'set',
      '--project',
      h.projectId,
      '--keep-per-title',
      '2',
      '--pr-days',
      '5',
      '--json',
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({
      project_id: h.projectId,
      collection: null,
      keep_per_title: 2,
      pr_days: 5,
    });
    const b = await cli([
      'retention',
      'set',
      '--project',
      h.projectId,
      '--collection',
      'exp',
      '--keep-per-title',
      '1',
    ]);
    expect(b.code, b.stderr).toBe(0);
    const list = JSON.parse((await cli(['retention', 'list', '--json'])).stdout);
    expect(list).toEqual([
      expect.objectContaining({
        collection: null,
        keep_per_title: 2,
        pr_days: 5,
        default_branch: 'main',
      }),
      expect.objectContaining({ collection: 'exp', keep_per_title: 1, pr_days: null }),
    ]);
    const bad = await cli(['retention', 'set', '--project', h.projectId, '--keep-per-title', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--keep-per-title/);
    const none = await cli(['retention', 'set', '--project', 'proj_nope', '--pr-days', '3']);
    expect(none.code).toBe(1);
  });

  it('run --dry-run lists what would go and deletes nothing', async () => {
    const before = await h.files();
    const r = await cli(['retention', 'run', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      dry_run: boolean;
      deleted: Array<{ id: string; reason: string }>;
      files_removed: number;
    };
    expect(out.dry_run).toBe(true);
    expect(out.deleted.map((d) => d.id).sort()).toEqual([...doomed].sort());
    expect(out.deleted.find((d) => d.id === doomed[0])?.reason).toBe('keep_per_title');
    expect(out.deleted.find((d) => d.id === doomed[2])?.reason).toBe('pr_days');
    expect(out.files_removed).toBe(0);
    for (const id of doomed) expect(await exists(id)).toBe(true);
    expect(await h.files()).toEqual(before);
  });

  it('run deletes exactly those, with their files and a snapshot.deleted event each', async () => {
    const r = await cli(['retention', 'run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      dry_run: boolean;
      deleted: Array<{ id: string }>;
      files_removed: number;
    };
    expect(out.dry_run).toBe(false);
    expect(out.deleted.map((d) => d.id).sort()).toEqual([...doomed].sort());
    expect(out.files_removed).toBe(doomed.length);
    for (const id of doomed) {
      expect(await exists(id)).toBe(false);
      expect(await filesOf(id)).toEqual([]);
    }
    for (const id of kept) {
      expect(await exists(id)).toBe(true);
      expect(await filesOf(id)).not.toEqual([]);
    }
    const s = await openEvents(h, h.projectId, { query: '?last_event_id=0' });
    try {
      await s.until(
        (x) => x.events().filter((e) => e.type === 'snapshot.deleted').length >= doomed.length,
      );
      const deleted = s
        .events()
        .filter((e) => e.type === 'snapshot.deleted')
        .map((e) => e.data.id);
      expect(deleted.sort()).toEqual([...doomed].sort());
    } finally {
      s.close();
    }
    // A second run finds nothing more.
    expect(JSON.parse((await cli(['retention', 'run', '--json'])).stdout).deleted).toEqual([]);
    expect((await h.api('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('the default branch is per project, and remove drops a policy', async () => {
    const d = await cli([
      'project',
      'default-branch',
      '--project',
      h.projectId,
      '--branch',
      'feat',
      '--json',
    ]);
    expect(d.code, d.stderr).toBe(0);
    // main is now an ordinary branch: its oldest "A" goes, feat's are all kept.
    const r = JSON.parse((await cli(['retention', 'run', '--dry-run', '--json'])).stdout);
    expect(r.deleted.map((x: { id: string }) => x.id)).toEqual([kept[0]]);
    const rm = await cli(['retention', 'remove', '--project', h.projectId, '--collection', 'exp']);
    expect(rm.code, rm.stderr).toBe(0);
    const list = JSON.parse(
      (await cli(['retention', 'list', '--project', h.projectId, '--json'])).stdout,
    );
    expect(list.map((p: { collection: string | null }) => p.collection)).toEqual([null]);
    expect(
      (await cli(['retention', 'remove', '--project', h.projectId, '--collection', 'exp'])).code,
    ).toBe(1);
  });
});

describe('serve --retention', () => {
  it('runs the policies in the sweep and logs nothing when off', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-retention-'));
    let t = T0;
    const now = () => new Date(t);
    let s = await startHarness({ dataDir, now });
    const ids: string[] = [];
    for (const day of [0, 1]) {
      t = T0 + day * DAY;
      const fd = new FormData();
      fd.append(
        'metadata',
        JSON.stringify({ project_id: s.projectId, title: 'T', branch: 'topic' }),
      );
      const plot = Buffer.concat([PNG, Buffer.from(`day ${day}`)]);
      fd.append('plot', new Blob([new Uint8Array(plot)], { type: 'image/png' }), 'plot.png');
      const res = await fetch(`${s.url}/api/snapshots/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}` },
        body: fd,
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    await s.server.context.store.putRetentionPolicy({
      project_id: s.projectId,
      collection: '',
      keep_per_title: 1,
      pr_days: null,
      created_at: now().toISOString(),
    });
    // Off by default: a restart keeps both.
    await s.close();
    s = await startHarness({ dataDir, now });
    expect((await s.api('GET', `/api/snapshots/${ids[0]}`)).status).toBe(200);
    await s.close();
    s = await startHarness({ dataDir, now, config: { retention: true } });
    try {
      expect((await s.api('GET', `/api/snapshots/${ids[0]}`)).status).toBe(404);
      expect((await s.api('GET', `/api/snapshots/${ids[1]}`)).status).toBe(200);
      const files = await s.files();
      expect(files).not.toContain(
        objectOf(s.projectId, Buffer.concat([PNG, Buffer.from('day 0')])),
      );
      expect(files).toContain(objectOf(s.projectId, Buffer.concat([PNG, Buffer.from('day 1')])));
    } finally {
      await s.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
