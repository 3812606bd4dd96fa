/**
 * End to end: the committed dist/index.js, spawned as the runner spawns it (INPUT_* variables,
 * a real event payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), against a real
 * snapshotplot-server. Batch mode and failures.
 */
import { describe, expect, it } from 'vitest';
import { afterMask, useE2E } from './e2e-setup.js';
import { examplePayload } from './helpers.js';
import { runBundle } from './runner.js';

const e2e = useE2E();

describe('dist/index.js batch and failures', () => {
  it('batch: one snapshot per plot file, JSON array outputs, one summary table', async () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    const r = await runBundle({
      inputs: e2e.inputs({ title: '', plot: '', code: '', directory: 'plots' }),
      eventName: 'push',
      payload,
      workspace: e2e.workspace(),
      sha: payload.after,
      ref: payload.ref,
    });
    expect(r.code, r.stdout).toBe(0);
    const ids: string[] = JSON.parse(r.outputs['snapshot-ids']!);
    expect(ids).toHaveLength(2);
    expect(JSON.parse(r.outputs['snapshot-urls']!)).toHaveLength(2);
    expect(r.outputs['snapshot-id'] ?? '').toBe('');
    const snaps = await Promise.all(ids.map(e2e.stored));
    expect(snaps.map((s) => [s.title, s.branch, s.commit_sha, !!s.code_url])).toEqual([
      ['accuracy', 'master', payload.after, false],
      ['loss', 'master', payload.after, true],
    ]);
    expect(r.summary).toContain('2 of 2 published');
    expect(r.summary.match(/<tr><td>/g)).toHaveLength(2);
  });

  it('fail-on-error true: a bad token is one ::error with a fix and exit 1', async () => {
    const r = await runBundle({
      inputs: e2e.inputs({ token: 'spt_not_a_real_token' }),
      eventName: 'push',
      payload: examplePayload('push'),
      workspace: e2e.workspace(),
    });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('HTTP 401');
    expect(errors[0]).toContain('Check the token input');
    expect(afterMask(r.stdout, 'spt_not_a_real_token')).not.toContain('spt_not_a_real_token');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    expect(r.outputs).toEqual({});
  });

  it('fail-on-error false: a warning, exit 0, outputs empty', async () => {
    const r = await runBundle({
      inputs: e2e.inputs({ token: 'spt_not_a_real_token', 'fail-on-error': 'false' }),
      eventName: 'push',
      payload: examplePayload('push'),
      workspace: e2e.workspace(),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::warning::.*HTTP 401/m);
    expect(r.stdout).not.toContain('::error');
    expect(r.outputs).toEqual({});
  });
});
