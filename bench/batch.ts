/**
 * Benchmark 4: batch. `snapshotplot publish --dir` of 100 plot+code pairs at concurrency 8,
 * against the curl script run for the same pairs by `xargs -P 8`. Reports snapshots/s and
 * checks that every snapshot of the CLI's JSON answer is ready (zero errors).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CURL_SCRIPT, runCli, writePair } from './lib/cli.js';
import { startProject } from './lib/processes.js';
import { type BenchResult, median, round, timed } from './lib/stats.js';
import { TINY_PNG } from './publish-rate.js';

const run = promisify(execFile);
const CONCURRENCY = 8;

/** Runs the batch benchmark. */
export async function benchBatch(o: { quick: boolean }): Promise<BenchResult> {
  const count = o.quick ? 20 : 100;
  const runs = o.quick ? 1 : 3;
  const dir = await mkdtemp(join(tmpdir(), 'sp-bench-batch-'));
  const project = await startProject();
  const cliMs: number[] = [];
  const curlMs: number[] = [];
  let errors = 0;
  try {
    const stems = Array.from({ length: count }, (_, i) => `fig-${String(i).padStart(3, '0')}`);
    for (const stem of stems)
      await writePair(dir, stem, Buffer.concat([TINY_PNG, randomBytes(4096)]));
    for (let r = 0; r < runs; r++) {
      // A new collection per run: otherwise the second run is an idempotent replay.
      cliMs.push(
        await timed(async () => {
          const out = await runCli(
            project,
            [
              'publish',
              '--dir',
              dir,
              '--collection',
              `batch-${r}`,
              '--concurrency',
              String(CONCURRENCY),
              '--json',
            ],
            dir,
          );
          const results = JSON.parse(out) as Array<{ status?: string; error?: unknown }>;
          if (results.length !== count) errors += Math.abs(count - results.length);
          errors += results.filter((x) => x.error || x.status !== 'ready').length;
        }),
      );
      const script = `printf '%s\\n' ${stems.join(' ')} | xargs -P ${CONCURRENCY} -I{} "${CURL_SCRIPT}" "$1" "$2" "$3" "curl-${r}-{}" "$4/{}.png" "$4/{}.py" >/dev/null`;
      curlMs.push(
        await timed(() =>
          run('sh', [
            '-c',
            script,
            'sh',
            project.server.url,
            project.token,
            project.projectId,
            dir,
          ]),
        ),
      );
    }
  } finally {
    await project.server.destroy();
    await rm(dir, { recursive: true, force: true });
  }
  const rate = (ms: number) => round(count / (ms / 1000), 1);
  return {
    name: 'batch',
    quick: o.quick,
    target: `${count} snapshots with --dir at concurrency ${CONCURRENCY}: zero errors (ratio = CLI snapshots/s ÷ curl snapshots/s, informational)`,
    met: errors === 0,
    ratio: round(rate(median(cliMs)) / rate(median(curlMs)), 2),
    snapshots: count,
    runs,
    concurrency: CONCURRENCY,
    errors,
    cli_snapshots_per_s: rate(median(cliMs)),
    curl_snapshots_per_s: rate(median(curlMs)),
    cli_runs_ms: cliMs.map((x) => round(x, 0)),
    curl_runs_ms: curlMs.map((x) => round(x, 0)),
  };
}
