#!/usr/bin/env node
// The quick start: start snapshotplot-server on SQLite + disk (./snapshotplot-data), create a
// demo project and token once, draw the sample plots of examples/gallery for three fake commits
// and publish them (with the scripts that drew them) through the real CLI, then print the
// gallery URL with a one-click sign-in link and keep serving until Ctrl+C. A fourth commit on a
// pull-request branch (feature/smoothing, PR #1) changes two plots and their scripts against
// main; the demo declares its publishing done (`POST /api/projects/{id}/comparisons`) and
// prints the review page of that comparison too.
// `--exit` stops after publishing (used by tests).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

// A pull request against main's latest commit: the same plots as COMMITS[1] (version 2), but two
// scripts are edited, so those two plots and their code change and the other two are unchanged.
const BASE = COMMITS[1];
const PULL_REQUEST = {
  sha: '5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80',
  branch: 'feature/smoothing',
  pr: '1',
  message: 'smoothing',
  version: 2,
  // script → [text in the script, its replacement]: deterministic edits of examples/gallery.
  edits: {
    'loss-curve.mjs': [
      'const train = epochs.map((e) => 2.3 * Math.exp(-e / decay) + 0.1 + 0.03 * Math.sin(e * 1.7));',
      '// Smoothing: the training curve is averaged over mini-batches, so it wobbles less.\nconst train = epochs.map((e) => 2.3 * Math.exp(-e / decay) + 0.1 + 0.008 * Math.sin(e * 1.7));',
    ],
    'attention-heatmap.mjs': [
      'Math.exp(-((i - j) ** 2) / (2 * (1.5 + v) ** 2))',
      'Math.exp(-((i - j) ** 2) / (2 * (3 + v) ** 2)) /* smoothed: a wider band */',
    ],
  },
};

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

/** The id of the demo's publisher token for the gallery (created once, kept with the credentials). */
async function reviewerToken(creds) {
  if (creds.reviewer_token_id) return creds.reviewer_token_id;
  const { id } = await admin(
    'token',
    'create',
    '--project',
    creds.project_id,
    '--role',
    'publisher',
    '--name',
    'demo reviewer',
  );
  creds.reviewer_token_id = id;
  writeFileSync(join(dataDir, 'demo-credentials.json'), `${JSON.stringify(creds, null, 2)}\n`, {
    mode: 0o600,
  });
  return id;
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

/**
 * Draws every example at `version` into `demo-plots/<name>`, next to a copy of its script (the
 * code half of the snapshot); `edits` rewrites some scripts first (they then draw and are the
 * edited version).
 */
async function drawPlots(name, version, edits = {}) {
  const out = join(dataDir, 'demo-plots', name);
  const scripts = join(dataDir, 'demo-plots', `${name}-scripts`);
  mkdirSync(out, { recursive: true });
  mkdirSync(scripts, { recursive: true });
  for (const script of readdirSync(examples)
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    let source = readFileSync(join(examples, script), 'utf8');
    if (edits[script]) {
      const [from, to] = edits[script];
      if (!source.includes(from)) {
        throw new Error(`examples/gallery/${script} changed: the demo's edit no longer applies.`);
      }
      source = source.replace(from, to);
    }
    writeFileSync(join(scripts, script), source);
    await run(process.execPath, [join(scripts, script), out, String(version)]);
    // The batch pairs a plot with a same-stem .js file.
    writeFileSync(join(out, script.replace(/\.mjs$/, '.js')), source);
  }
  return out;
}

/** Declares the pull request's publishing done and reads its comparison (the review page). */
async function compare(url, creds, head, base) {
  const res = await fetch(`${url}/api/projects/${creds.project_id}/comparisons`, {
    method: 'POST',
    headers: { authorization: `Bearer ${creds.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      head: head.sha,
      base: base.sha,
      base_branch: base.branch,
      pr_number: Number(head.pr),
    }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    throw new Error(`compare answered ${res.status}: ${body?.error?.message ?? 'no message'}`);
  }
  return body;
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
      const results = await publish(url, creds, await drawPlots(`commit-${i + 1}`, i + 1), commit);
      count += results.length;
      console.log(
        `Published ${results.length} snapshots for commit ${commit.sha.slice(0, 7)} (${commit.message})`,
      );
    }
    const pr = PULL_REQUEST;
    const dir = await drawPlots('pr-1', pr.version, pr.edits);
    const results = await publish(url, creds, dir, pr);
    count += results.length;
    console.log(
      `Published ${results.length} snapshots for commit ${pr.sha.slice(0, 7)} (${pr.message}, ${pr.branch}, PR #${pr.pr})`,
    );
    const comparison = await compare(url, creds, pr, BASE);
    // The sign-in link is for a publisher named "demo reviewer", so the review page's
    // Approve / Request changes buttons can be tried (a reader sees the page only).
    const reviewer = await reviewerToken(creds);
    const link = await admin(
      'login-link',
      '--project',
      creds.project_id,
      '--token-id',
      reviewer,
      '--url',
      url,
    );
    console.log(`\nPublished ${count} snapshots (ready) to project ${creds.project_id}.`);
    console.log(`\nGallery:  ${url}/projects/${creds.project_id}`);
    console.log(`Sign in:  ${link.url}`);
    console.log(
      '          (one click, works once within 10 minutes; later: `snapshotplot-server login-link`)',
    );
    const reviewUrl =
      comparison.review_url ??
      `${url}/projects/${creds.project_id}/review?head=${pr.sha}&base=${BASE.sha}&base_branch=${BASE.branch}`;
    console.log(`Review:   ${reviewUrl}`);
    console.log(
      `          (PR #${pr.pr}, ${pr.branch} against ${BASE.branch}: ${comparison.description})`,
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
