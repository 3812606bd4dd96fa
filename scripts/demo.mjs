#!/usr/bin/env node
// The quick start's main job: start snapshotplot-server on SQLite + disk (./snapshotplot-data),
// create a demo project and publisher token once, publish the sample snapshot with the CLI,
// print its URL, and keep serving until Ctrl+C. `--exit` stops after publishing (used by tests).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const serverBin = join(root, 'packages/server/dist/bin.js');
const cliBin = join(root, 'packages/cli/dist/bin.js');
const args = process.argv.slice(2);
const exitAfterPublish = args.includes('--exit');
const dataDir = resolve(process.env.SNAPSHOTPLOT_DATA_DIR ?? 'snapshotplot-data');
const port = process.env.PORT ?? '8080';

async function admin(...argv) {
  const { stdout } = await run(process.execPath, [
    serverBin,
    ...argv,
    '--data-dir',
    dataDir,
    '--json',
  ]);
  return JSON.parse(stdout);
}

/** The demo project and token are created once and remembered in the data dir. */
async function demoCredentials() {
  const file = join(dataDir, 'demo-credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const project = await admin('project', 'create', '--name', 'Demo');
  const { token } = await admin(
    'token',
    'create',
    '--project',
    project.id,
    '--role',
    'admin',
    '--name',
    'demo',
  );
  const creds = { project_id: project.id, token };
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

function startServer() {
  const child = spawn(
    process.execPath,
    [serverBin, 'serve', '--port', port, '--data-dir', dataDir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stderr });
    const seen = [];
    lines.on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (match) resolveUrl({ child, url: match[1] });
      else if (seen.push(line) > 50) seen.shift();
    });
    child.on('exit', (code) =>
      reject(new Error(`snapshotplot-server exited with code ${code}:\n${seen.join('\n')}`)),
    );
  });
}

async function main() {
  for (const bin of [serverBin, cliBin]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first.`);
  }
  await run(process.execPath, [join(root, 'examples/loss-curve.mjs')]);
  const creds = await demoCredentials();
  const { child, url } = await startServer();
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const { stdout } = await run(
      process.execPath,
      [
        cliBin,
        'publish',
        '--api-url',
        url,
        '--token',
        creds.token,
        '--project',
        creds.project_id,
        '--title',
        'Loss curve',
        '--collection',
        'demo',
        '--tag',
        'demo',
        '--tag',
        'quickstart',
        '--description',
        'Training and validation loss of a toy model.',
        '--plot',
        join(root, 'examples/loss-curve.svg'),
        '--code',
        join(root, 'examples/loss-curve.mjs'),
        '--json',
      ],
      { cwd: root },
    );
    const result = JSON.parse(stdout);
    console.log(`\nPublished snapshot ${result.snapshot_id} (${result.status})`);
    console.log(`  snapshot: ${result.url}`);
    console.log(`  plot:     ${result.plot_url}`);
    console.log(`  code:     ${result.code_url}`);
    console.log(`\nServer: ${url}   data: ${dataDir}`);
    console.log(
      `Project ${creds.project_id}; its admin token is in ${join(dataDir, 'demo-credentials.json')}`,
    );
  } catch (error) {
    stop();
    throw error;
  }
  if (exitAfterPublish) stop();
  else console.log('Serving; press Ctrl+C to stop.');
}

main().catch((error) => {
  console.error(`demo failed: ${error.stderr?.trim() || error.message}`);
  process.exitCode = 1;
});
