/**
 * `pnpm bench [--quick] [--only upload,publish-rate,e2e-cli,batch,diff,thumbnails,list,size,postgres,gallery] [--workers 1,2]`: runs each benchmark
 * (project and baseline in the same run, on 127.0.0.1), prints a summary line per benchmark
 * and writes bench/results/<name>[-quick].json. Exits 1 when a benchmark fails to run.
 */
import { parseArgs } from 'node:util';
import { benchBatch } from './batch.js';
import { benchDiff } from './diff.js';
import { benchE2e } from './e2e-cli.js';
import { benchGallery } from './gallery.js';
import type { BenchResult } from './lib/stats.js';
import { writeResult } from './lib/stats.js';
import { benchList } from './list.js';
import { benchPostgres } from './postgres.js';
import { benchPublishRate } from './publish-rate.js';
import { benchSize } from './size.js';
import { benchThumbnails } from './thumbnails.js';
import { benchUpload } from './upload.js';

const BENCHES: Record<string, (o: { quick: boolean }) => Promise<BenchResult>> = {
  upload: benchUpload,
  'publish-rate': benchPublishRate,
  'e2e-cli': benchE2e,
  batch: benchBatch,
  diff: benchDiff,
  thumbnails: benchThumbnails,
  list: benchList,
  size: benchSize,
  postgres: benchPostgres,
  gallery: benchGallery,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      // `serve --workers` counts publish-rate and list compare (lib/processes.ts), e.g. 1,2.
      workers: { type: 'string' },
    },
  });
  if (values.workers) process.env.SNAPSHOTPLOT_BENCH_WORKERS = values.workers;
  // `postgres` compares against a PostgreSQL, so it runs by default only when one is given.
  const names = values.only
    ? values.only.split(',')
    : Object.keys(BENCHES).filter(
        (n) => n !== 'postgres' || process.env.SNAPSHOTPLOT_TEST_DATABASE_URL,
      );
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    console.error(
      `Unknown benchmark ${unknown.join(', ')}: use ${Object.keys(BENCHES).join(', ')}.`,
    );
    return 2;
  }
  let failed = 0;
  for (const name of names) {
    const started = performance.now();
    console.log(`\n== ${name}${values.quick ? ' (quick)' : ''}`);
    try {
      const result = await BENCHES[name]!({ quick: values.quick });
      const file = await writeResult(result);
      console.log(JSON.stringify(result, null, 2));
      console.log(
        `${name}: ratio ${result.ratio} — target ${result.target}: ${result.met ? 'MET' : 'MISSED'} ` +
          `(${Math.round((performance.now() - started) / 1000)} s, ${file})`,
      );
    } catch (error) {
      failed++;
      console.error(`${name} failed: ${(error as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
