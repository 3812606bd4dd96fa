#!/usr/bin/env node
// The quick start: start snapshotplot-server on SQLite + disk (./snapshotplot-data), create a
// demo project and token once, draw the sample plots of examples/gallery for three fake commits
// and publish them (with the scripts that drew them) through the real CLI, then print the
// gallery URL with a one-click sign-in link and keep serving until Ctrl+C.
// `--exit` stops after publishing (used by tests).
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const serverBin = join(root, 'packages/server/dist/bin.js');
const cliBin = join(root, 'packages/cli/dist/bin.js');
const examples = join(root, 'examples/gallery');
const args = process.argv.slice(2);
const exitAfterPublish = args.includes('--exit');
const dataDir = resolve(process.env.SNAPSHOTPLOT_DATA_DIR ?? 'snapshotplot-data');
const port = process.env.PORT ?? '8080';

// Three commits of a fake repository: the history view shows how each figure changed.
const COMMITS = [
  { sha: '3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a31', branch: 'main', message: 'baseline model' },
  { sha: '8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c92', branch: 'main', message: 'wider attention' },
  {
    sha: 'e4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3',
    branch: 'feature/dropout',
    pr: '7',
    message: 'dropout 0.2',
  },
];

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

/** Draws every example for commit `n` into its own folder, next to a copy of its script. */
async function drawPlots(n) {
  const out = join(dataDir, 'demo-plots', `commit-${n}`);
  mkdirSync(out, { recursive: true });
  for (const script of readdirSync(examples)
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    await run(process.execPath, [join(examples, script), out, String(n)]);
    // The code half of the snapshot: the batch pairs a plot with a same-stem .js file.
    copyFileSync(join(examples, script), join(out, script.replace(/\.mjs$/, '.js')));
  }
  return out;
}

async function publish(url, creds, dir, commit) {
  const { stdout } = await run(
    process.execPath,
    [
      cliBin,
      'publish',
      '--dir',
      dir,
      '--api-url',
      url,
      '--token',
      creds.token,
      '--project',
      creds.project_id,
      '--collection',
      'demo',
      '--tag',
      'demo',
      '--author',
      'Ada Lovelace',
      '--description',
      `Sample figure at "${commit.message}".`,
      '--repo',
      'snapshotplot/demo',
      '--commit',
      commit.sha,
      '--branch',
      commit.branch,
      ...(commit.pr ? ['--pr', commit.pr] : []),
      '--json',
    ],
    { cwd: root },
  );
  return JSON.parse(stdout);
}

async function main() {
  for (const bin of [serverBin, cliBin]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first.`);
  }
  const creds = await demoCredentials();
  const { child, url } = await startServer();
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    let count = 0;
    for (const [i, commit] of COMMITS.entries()) {
      const results = await publish(url, creds, await drawPlots(i + 1), commit);
      count += results.length;
      console.log(
        `Published ${results.length} snapshots for commit ${commit.sha.slice(0, 7)} (${commit.message})`,
      );
    }
    const link = await admin('login-link', '--project', creds.project_id, '--url', url);
    console.log(`\nPublished ${count} snapshots (ready) to project ${creds.project_id}.`);
    console.log(`\nGallery:  ${url}/projects/${creds.project_id}`);
    console.log(`Sign in:  ${link.url}`);
    console.log(
      '          (one click, works once within 10 minutes; later: `snapshotplot-server login-link`)',
    );
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
