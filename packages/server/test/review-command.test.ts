/** `snapshotplot-server project review`: on-change and tolerance, per project and collection. */
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { CliError } from '../src/errors.js';
import { testDatabaseEnv } from '../src/testing.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function cli(args: string[]) {
  let stdout = '';
  const full = ['project', 'review', ...args, '--data-dir', h.dataDir];
  const program = buildProgram({
    env: { ...process.env, ...testDatabaseEnv(full) },
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
    now: () => new Date(),
  });
  program.exitOverride();
  try {
    await program.parseAsync(full, { from: 'user' });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    if (error instanceof CliError) return { code: error.exitCode, stdout, stderr: error.message };
    if (error instanceof CommanderError) return { code: 2, stdout, stderr: error.message };
    throw error;
  }
}

describe('project review', () => {
  it('shows the defaults, then sets on-change and the project and collection tolerances', async () => {
    const shown = await cli(['--project', h.projectId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({
      project_id: h.projectId,
      on_change: 'pending',
      tolerance: 0,
      collection_tolerances: {},
    });
    expect((await cli(['--project', h.projectId, '--on-change', 'failure'])).code).toBe(0);
    expect((await cli(['--project', h.projectId, '--tolerance', '0.002'])).code).toBe(0);
    const set = await cli([
      '--project',
      h.projectId,
      '--tolerance',
      '0.5',
      '--collection',
      'figs',
      '--json',
    ]);
    expect(JSON.parse(set.stdout)).toEqual({
      project_id: h.projectId,
      on_change: 'failure',
      tolerance: 0.002,
      collection_tolerances: { figs: 0.5 },
    });
    const s = await h.server.context.store.reviewSettings(h.projectId);
    expect(s?.collection_tolerances.get('figs')).toBe(0.5);
    const off = await cli(['--project', h.projectId, '--tolerance', 'off', '--collection', 'figs']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('is failure; tolerance 0.002');
    expect(off.stdout).not.toContain('figs');
  });

  it('refuses bad values (exit 2) and an unknown project (exit 1)', async () => {
    for (const args of [
      ['--on-change', 'maybe'],
      ['--tolerance', '1.5'],
      ['--tolerance', 'off'],
      ['--tolerance', ''],
      ['--collection', 'figs'],
    ]) {
      const r = await cli(['--project', h.projectId, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--(on-change|tolerance|collection)/);
    }
    const unknown = await cli(['--project', 'proj_nope', '--on-change', 'failure']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('proj_nope does not exist');
  });
});
