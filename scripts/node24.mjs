// Node 24 beside the Node that runs the workspace: GitHub's runners run the action on Node 24
// (`runs.using: node24`), so the action's, the CLI's and the server's suites also run under it.
// The binary comes from the npm registry (the `node-<platform>-<arch>` packages ship it; other
// downloads are not reachable from CI) into .cache/node24. better-sqlite3 is a native addon built
// per Node ABI: its Node 24 build is made once into .cache/better-sqlite3/ and swapped in by a
// rename only while the suites run, so the checkout keeps working on the Node it was installed
// with.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cache = join(root, '.cache');
const pkg = `node-${process.platform}-${process.arch}`;
const home = join(cache, 'node24', 'node_modules', pkg);
const node24 = join(home, 'bin', 'node');

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
}

/** The Node 24 binary, installed from the registry the first time. */
export function ensureNode24() {
  if (!existsSync(node24)) {
    console.log(`installing ${pkg}@24 from the npm registry into .cache/node24 ...`);
    // Its own prefix: a later `npm i --no-save` in a shared folder would prune it.
    run('npm', [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      join(cache, 'node24'),
      `${pkg}@24`,
    ]);
  }
  const version = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim();
  const abi = execFileSync(node24, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
  return { node: node24, version, abi };
}

/** better-sqlite3's package folder, as the server resolves it. */
function betterSqlite3Dir() {
  const require = createRequire(join(root, 'packages', 'server', 'package.json'));
  return dirname(require.resolve('better-sqlite3/package.json'));
}

/** npm's own node-gyp (every npm ships one), wherever this npm is installed. */
function nodeGyp() {
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  const npmHome = execFileSync('npm', ['prefix', '-g'], { encoding: 'utf8' }).trim();
  const candidates = [
    join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(npmHome, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `node-gyp not found (looked in ${candidates.join(', ')}): install npm, or set SNAPSHOTPLOT_SKIP_NODE24=1 to skip the Node 24 run.`,
    );
  }
  return found;
}

/** Builds better-sqlite3 for Node 24's ABI once (node-gyp from npm, run by Node 24). */
function ensureBinding(abi) {
  const src = betterSqlite3Dir();
  const { version } = createRequire(import.meta.url)(join(src, 'package.json'));
  const out = join(cache, 'better-sqlite3', `${version}-abi${abi}`, 'better_sqlite3.node');
  if (existsSync(out)) return out;
  console.log(`building better-sqlite3 ${version} for Node ABI ${abi} (once, a few minutes) ...`);
  const build = join(cache, 'better-sqlite3', `build-abi${abi}`);
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  for (const part of ['binding.gyp', 'package.json', 'src', 'deps']) {
    cpSync(join(src, part), join(build, part), { recursive: true });
  }
  const gyp = nodeGyp();
  // npm_config_nodedir (/usr in .ci/run, for Node 20) would win over --nodedir: set it too.
  run(node24, [gyp, 'rebuild', '--release', `--nodedir=${home}`, '-j', '2'], {
    cwd: build,
    env: {
      ...process.env,
      npm_config_nodedir: home,
      PATH: `${dirname(node24)}:${process.env.PATH}`,
    },
  });
  // A binding built against other headers would fail every test: check it loads under Node 24.
  const built = join(build, 'build', 'Release', 'better_sqlite3.node');
  run(node24, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(built)})`]);
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(built, out);
  rmSync(build, { recursive: true, force: true });
  return out;
}

function bindingPaths() {
  const target = join(betterSqlite3Dir(), 'build', 'Release', 'better_sqlite3.node');
  return { target, saved: `${target}.node${process.versions.modules}` };
}

/**
 * A run stopped by Ctrl+C while the Node 24 addon was in place (spawnSync blocks, so no
 * `finally` runs) leaves this Node's own addon beside it: put it back. test.mjs calls this first.
 */
export function restoreInterruptedSwap() {
  const { target, saved } = bindingPaths();
  if (existsSync(saved)) renameSync(saved, target);
}

/**
 * Runs `fn` with the Node 24 build of better-sqlite3 in place. Swaps by rename (never writes
 * into the installed file: it may be a hard link into pnpm's store) and always swaps back.
 */
export function withNode24Binding(abi, fn) {
  const binding = ensureBinding(abi);
  restoreInterruptedSwap();
  const { target, saved } = bindingPaths();
  renameSync(target, saved);
  try {
    copyFileSync(binding, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
    return fn();
  } finally {
    rmSync(target, { force: true });
    renameSync(saved, target);
  }
}

/** `vitest run <args>` under Node 24 (children started with process.execPath get it too). */
export function vitestOnNode24(args, env) {
  const { node, version, abi } = ensureNode24();
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  console.log(`Node ${version} (ABI ${abi}): vitest run ${args.join(' ')}`);
  return withNode24Binding(abi, () =>
    spawnSync(node, [vitest, 'run', ...args], {
      cwd: root,
      stdio: 'inherit',
      env: { ...env, PATH: `${dirname(node)}:${env.PATH ?? ''}` },
    }),
  );
}
