#!/usr/bin/env node
// The vitest half of `pnpm test`, in two runs:
//   1. every package on the default backends (SQLite + local disk), with the engine variables
//      removed so that they cannot switch this run to PostgreSQL or S3;
//   2. the server suite again on PostgreSQL + S3, when SNAPSHOTPLOT_TEST_DATABASE_URL and/or
//      SNAPSHOTPLOT_TEST_S3_URL are set (.ci/run starts both engines and sets them, with
//      SNAPSHOTPLOT_REQUIRE_ENGINES=1 so a missing engine fails instead of skipping);
//   3. the action's, the CLI's and the server's suites under Node 24 (the Node that runs the
//      action), from a binary installed from the npm registry: scripts/node24.mjs. Skipped with
//      SNAPSHOTPLOT_SKIP_NODE24=1, or when this already is Node 24.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { restoreInterruptedSwap, vitestOnNode24 } from './node24.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENGINE_VARS = [
  'SNAPSHOTPLOT_TEST_DATABASE_URL',
  'SNAPSHOTPLOT_TEST_S3_URL',
  'SNAPSHOTPLOT_TEST_STORAGE',
  'SNAPSHOTPLOT_REQUIRE_ENGINES',
];

function vitest(args, env, label) {
  console.log(`\n=== ${label} ===`);
  const res = spawnSync('pnpm', ['exec', 'vitest', 'run', ...args], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (res.status !== 0) {
    console.error(`\n${label}: failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status || 1);
  }
}

restoreInterruptedSwap();
const defaults = { ...process.env };
for (const name of ENGINE_VARS) delete defaults[name];
vitest([], defaults, 'all packages on SQLite + local disk');

const { SNAPSHOTPLOT_TEST_DATABASE_URL: db, SNAPSHOTPLOT_TEST_S3_URL: s3 } = process.env;
if (db || s3) {
  const engines = { ...process.env, ...(s3 ? { SNAPSHOTPLOT_TEST_STORAGE: 's3' } : {}) };
  const label = [db && 'PostgreSQL', s3 && 'S3'].filter(Boolean).join(' + ');
  vitest(['packages/server'], engines, `the server suite on ${label}`);
} else if (process.env.SNAPSHOTPLOT_REQUIRE_ENGINES === '1') {
  console.error(
    'SNAPSHOTPLOT_REQUIRE_ENGINES=1 but neither SNAPSHOTPLOT_TEST_DATABASE_URL nor ' +
      'SNAPSHOTPLOT_TEST_S3_URL is set: start them with .ci/start-postgres.sh and .ci/start-radosgw.sh.',
  );
  process.exit(1);
} else {
  console.log(
    '\nThe PostgreSQL + S3 run of the server suite was skipped: to include it, run\n' +
      '  export SNAPSHOTPLOT_TEST_DATABASE_URL=$(.ci/start-postgres.sh | tail -n 1)\n' +
      '  eval "$(.ci/start-radosgw.sh)"\n' +
      'first (both need root for apt; .ci/run does this).',
  );
}

const major = Number(process.versions.node.split('.')[0]);
if (process.env.SNAPSHOTPLOT_SKIP_NODE24 === '1' || major === 24) {
  console.log('\nThe Node 24 run was skipped (SNAPSHOTPLOT_SKIP_NODE24=1 or already on Node 24).');
} else {
  const label = 'the action, CLI and server suites on Node 24';
  console.log(`\n=== ${label} ===`);
  const res = vitestOnNode24(['packages/action', 'packages/cli', 'packages/server'], defaults);
  if (res.status !== 0) {
    console.error(`\n${label}: failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status || 1);
  }
}
