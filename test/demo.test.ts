// The README's quick start: `pnpm demo` must publish the sample plots (3 commits and a pull
// request) to a fresh local server and print a one-click sign-in link that opens the gallery,
// and the review page of the pull request with its two changed plots.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const TITLES = ['accuracy-by-model', 'attention-heatmap', 'embedding-scatter', 'loss-curve'];

/** Runs the demo without --exit until it says it is serving; returns its output so far. */
function serveDemo(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['scripts/demo.mjs'], { cwd: root, env });
  const lines: string[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('Serving;')) resolve(lines.join('\n'));
    });
    child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${lines.join('\n')}`)));
  });
  return { child, ready };
}

describe('pnpm demo', () => {
  let dataDir = '';
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('publishes 4 sample plots for 3 commits and a PR, and prints working sign-in and review links', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'snapshotplot-demo-'));
    const env = { ...process.env, SNAPSHOTPLOT_DATA_DIR: dataDir, PORT: '0' };
    const first = await run(process.execPath, ['scripts/demo.mjs', '--exit'], { cwd: root, env });
    expect(first.stdout).toContain('Published 16 snapshots (ready)');
    expect(first.stdout).toContain('2 changed, 2 unchanged');
    expect(first.stdout).toMatch(
      /Review: +http:\/\/127\.0\.0\.1:\d+\/projects\/\S+\/review\?head=5d6e7f8/,
    );
    expect(first.stdout).toMatch(/Sign in: +http:\/\/127\.0\.0\.1:\d+\/signin\/link\?l=\S+/);
    const creds = JSON.parse(await readFile(join(dataDir, 'demo-credentials.json'), 'utf8'));
    expect(creds.token).toMatch(/^spt_/);

    // A second run reuses the project and token (same commits: 16 snapshots again) and,
    // left serving, its link signs a browser in and opens the gallery with the sample plots.
    const demo = serveDemo(env);
    try {
      const out = await demo.ready;
      expect(out).toContain(`Project ${creds.project_id};`);
      expect(out).toContain('Published 16 snapshots (ready)');
      const link = /Sign in: +(\S+)/.exec(out)![1]!;
      const signin = await fetch(link, { redirect: 'manual' });
      expect(signin.status).toBe(303);
      const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
      const gallery = await fetch(new URL(signin.headers.get('location')!, link), {
        headers: { cookie },
      });
      expect(gallery.status).toBe(200);
      const html = await gallery.text();
      for (const title of TITLES) expect(html).toContain(`<strong>${title}</strong>`);
      // The grid opens on the latest version of each plot: 4 cards of 4 versions each (the 3
      // commits and the pull request); all versions are 16 cards.
      expect(html.match(/class="card"/g)).toHaveLength(4);
      expect(html.match(/4 versions/g)).toHaveLength(4);
      const all = await fetch(new URL(`/projects/${creds.project_id}?view=all`, link), {
        headers: { cookie },
      });
      expect((await all.text()).match(/class="card"/g)).toHaveLength(16);
      // The sign-in is the demo's publisher, so the review page offers its buttons.
      expect(html).toContain(`${creds.project_id} · publisher`);
      const review = await fetch(/Review: +(\S+)/.exec(out)![1]!, { headers: { cookie } });
      expect(review.status).toBe(200);
      const page = await review.text();
      expect(page.match(/<article class="review-item state-changed"/g)).toHaveLength(2);
      expect(page).toContain('data-title="loss-curve"');
      expect(page).toContain('data-title="attention-heatmap"');
      expect(page).toContain('class="diff-image"');
      expect(page).toContain('smoothed: a wider band');
    } finally {
      if (demo.child.exitCode === null) {
        const exited = new Promise((resolve) => demo.child.once('exit', resolve));
        demo.child.kill('SIGTERM');
        await exited;
      }
    }
  }, 60_000);
});
