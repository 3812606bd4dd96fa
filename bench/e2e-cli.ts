/**
 * Benchmark 3: end-to-end client. `snapshotplot publish --plot --code` (a new node process each
 * time, like a CI step) against the same four requests made by curl in a shell script, and the
 * CLI's cold start (`snapshotplot --version`). The floor beside them: the four requests from the
 * smallest Node fetch script (baselines/fetch-publish.mjs), what a new node process costs.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLI_BIN, runCli, runCurl, writePair } from './lib/cli.js';
import { startProject } from './lib/processes.js';
import { type BenchResult, median, round, timed } from './lib/stats.js';
import { TINY_PNG } from './publish-rate.js';

const run = promisify(execFile);
const FETCH_SCRIPT = fileURLToPath(new URL('./baselines/fetch-publish.mjs', import.meta.url));
// The floor gets the CLI's own start-up flag (packages/cli/src/bin.ts): below Node 24 it saves
// a fetch script the ~50 ms wait for V8's background compile of llhttp at exit.
const LIFTOFF = Number(process.versions.node.split('.')[0]) < 24 ? ['--liftoff-only'] : [];

/** Runs the end-to-end and cold-start benchmark. */
export async function benchE2e(o: { quick: boolean }): Promise<BenchResult> {
  const runs = o.quick ? 3 : 11;
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-e2e-'));
  const project = await startProject();
  const cliMs: number[] = [];
  const curlMs: number[] = [];
  const startMs: number[] = [];
  const nodeMs: number[] = [];
  const fetchMs: number[] = [];
  try {
    await writePair(dir, 'fig', Buffer.concat([TINY_PNG, randomBytes(4096)]));
    const plot = join(dir, 'fig.png');
    const code = join(dir, 'fig.py');
    // One unmeasured round each: file cache, server JIT.
    await runCli(project, ['publish', '--title', 'warm', '--plot', plot, '--code', code], dir);
    await runCurl(project, 'warm curl', plot, code);
    for (let i = 0; i < runs; i++) {
      const cli = () =>
        runCli(project, ['publish', '--title', `e2e ${i}`, '--plot', plot, '--code', code], dir);
      const curl = () => runCurl(project, `e2e curl ${i}`, plot, code);
      const floor = () =>
        run(process.execPath, [
          ...LIFTOFF,
          FETCH_SCRIPT,
          project.server.url,
          project.token,
          project.projectId,
          `e2e fetch ${i}`,
          plot,
          code,
        ]);
      // A different order each round, so drift on a shared machine hits all three alike.
      const order: Array<[number[], () => Promise<unknown>]> = [
        [cliMs, cli],
        [curlMs, curl],
        [fetchMs, floor],
      ];
      for (let k = 0; k < i % 3; k++) order.push(order.shift()!);
      for (const [into, fn] of order) into.push(await timed(fn));
      startMs.push(await timed(() => run(process.execPath, [CLI_BIN, '--version'])));
      nodeMs.push(await timed(() => run(process.execPath, ['-e', '0'])));
    }
  } finally {
    await project.server.destroy();
    await rm(dir, { recursive: true, force: true });
  }
  const ratio = round(median(cliMs) / median(curlMs), 2);
  const coldStart = round(median(startMs), 0);
  return {
    name: 'e2e-cli',
    quick: o.quick,
    target: 'CLI publish ≤ 2× the curl script (ratio = cli/curl); cold start ≤ 150 ms',
    met: ratio <= 2 && coldStart <= 150,
    ratio,
    runs,
    cli_publish_ms: round(median(cliMs), 0),
    curl_script_ms: round(median(curlMs), 0),
    cli_cold_start_ms: coldStart,
    bare_node_start_ms: round(median(nodeMs), 0),
    fetch_script_ms: round(median(fetchMs), 0),
    cli_over_fetch_script: round(median(cliMs) / median(fetchMs), 2),
    cli_runs_ms: cliMs.map((x) => round(x, 0)),
    curl_runs_ms: curlMs.map((x) => round(x, 0)),
    fetch_runs_ms: fetchMs.map((x) => round(x, 0)),
  };
}
