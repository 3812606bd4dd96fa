// The README's quick start: `pnpm demo` must publish the sample snapshot to a fresh local server.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('pnpm demo', () => {
  let dataDir = '';
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('starts a server, publishes the sample snapshot and prints its URLs', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'snapshotplot-demo-'));
    const env = { ...process.env, SNAPSHOTPLOT_DATA_DIR: dataDir, PORT: '0' };
    const first = await run(process.execPath, ['scripts/demo.mjs', '--exit'], { cwd: root, env });
    const snapshotId = /Published snapshot (\S+) \(ready\)/.exec(first.stdout)?.[1];
    expect(snapshotId).toMatch(/^[A-Za-z0-9_-]+$/);
    const creds = JSON.parse(await readFile(join(dataDir, 'demo-credentials.json'), 'utf8'));
    expect(creds.token).toMatch(/^spt_/);

    // A second run reuses the project and token and the data dir survives the restart.
    const second = await run(process.execPath, ['scripts/demo.mjs', '--exit'], { cwd: root, env });
    expect(second.stdout).toContain(`Project ${creds.project_id};`);
    expect(second.stdout).toMatch(/Published snapshot \S+ \(ready\)/);
  }, 60_000);
});
