#!/usr/bin/env node
// Publishes the GitHub Action to its own repository, the way `uses: <org>/snapshotplot-action@v1`
// finds it: action.yml at the root (pointing at dist/index.js), the committed ncc bundle,
// the action's README (links into the monorepo made absolute) and the LICENSE. One commit per
// release on the branch, an annotated tag vX.Y.Z, and the moving major tag vX force-moved to it
// (actions/toolkit's release guidance). A prerelease (v1.3.0-rc.1) gets its own tag only.
//
//   node scripts/release-action.mjs --to <git-url> --tag v1.2.3 [--branch main] [--source-url URL] [--dry-run]
//
// Exit codes: 0 released; 1 git failed (its message is shown); 2 bad arguments, a tag that
// exists already, or a bundle that is missing.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;

class UsageError extends Error {}

function git(args, cwd) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // A CI runner may have no identity configured; a configured one wins.
      GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME || 'snapshotplot release',
      GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL || 'release@snapshotplot.invalid',
      GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME || 'snapshotplot release',
      GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL || 'release@snapshotplot.invalid',
    },
  }).trim();
}

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        to: { type: 'string' },
        tag: { type: 'string' },
        branch: { type: 'string', default: 'main' },
        'source-url': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${error.message}. Usage: release-action.mjs --to <git-url> --tag vX.Y.Z`);
  }
  if (!values.to)
    throw new UsageError('--to <git-url> is required: the action repository to push to.');
  if (!values.tag || !TAG.test(values.tag)) {
    throw new UsageError(
      `--tag must be a version tag like v1.2.3 (or v1.3.0-rc.1), got ${values.tag ?? 'nothing'}.`,
    );
  }
  return values;
}

/** The monorepo's web URL, for links the action README makes relative to packages/action. */
function sourceUrl(given) {
  if (given) return given.replace(/\/+$/, '');
  const { repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const url = typeof repository === 'string' ? repository : repository?.url;
  if (!url) throw new UsageError('No --source-url and no "repository" in package.json.');
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** The action README with `../x` and `./x` links pointing at the monorepo on GitHub. */
export function absoluteLinks(markdown, base, ref) {
  return markdown.replace(/\]\((\.{1,2}\/[^)\s]+)\)/g, (_m, rel) => {
    const url = new URL(rel, `${base}/blob/${ref}/packages/action/`);
    return `](${url.href})`;
  });
}

/** Writes the action repository's tree into `dir` (everything but .git is replaced). */
function writeTree(dir, base, tag) {
  const bundle = join(root, 'packages', 'action', 'dist', 'index.js');
  if (!existsSync(bundle))
    throw new UsageError('packages/action/dist/index.js is missing: run pnpm build.');
  for (const name of readdirSync(dir))
    if (name !== '.git') rmSync(join(dir, name), { recursive: true });
  const yml = readFileSync(join(root, 'action.yml'), 'utf8');
  const moved = yml.replace(
    /^(\s+main:\s*)packages\/action\/dist\/index\.js\s*$/m,
    '$1dist/index.js',
  );
  if (moved === yml) throw new UsageError('action.yml does not run packages/action/dist/index.js.');
  writeFileSync(join(dir, 'action.yml'), moved);
  cpSync(join(root, 'packages', 'action', 'dist'), join(dir, 'dist'), { recursive: true });
  const readme = readFileSync(join(root, 'packages', 'action', 'README.md'), 'utf8');
  writeFileSync(join(dir, 'README.md'), absoluteLinks(readme, base, tag));
  cpSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
}

export function release(argv) {
  const o = parse(argv);
  const base = sourceUrl(o['source-url']);
  const major = o.tag.match(TAG)[1];
  const prerelease = Boolean(o.tag.match(TAG)[4]);
  const work = mkdtempSync(join(tmpdir(), 'snapshotplot-action-release-'));
  try {
    git(['init', '-q', '-b', o.branch], work);
    git(['remote', 'add', 'origin', o.to], work);
    const remote = git(['ls-remote', 'origin'], work);
    if (remote.split('\n').some((l) => l.endsWith(`refs/tags/${o.tag}`))) {
      throw new UsageError(
        `${o.to} already has ${o.tag}: releases are immutable, pick the next version.`,
      );
    }
    if (remote.split('\n').some((l) => l.endsWith(`refs/heads/${o.branch}`))) {
      git(['fetch', '-q', 'origin', o.branch], work);
      git(['reset', '-q', '--hard', 'FETCH_HEAD'], work);
    }
    writeTree(work, base, o.tag);
    git(['add', '-A'], work);
    git(['commit', '-q', '--allow-empty', '-m', `Release ${o.tag}`], work);
    git(['tag', '-a', o.tag, '-m', `snapshotplot action ${o.tag}`], work);
    const refs = [`refs/heads/${o.branch}`, `refs/tags/${o.tag}`];
    if (!prerelease) {
      git(['tag', '-f', '-a', `v${major}`, '-m', `snapshotplot action v${major} (${o.tag})`], work);
      refs.push(`+refs/tags/v${major}`);
    }
    const commit = git(['rev-parse', 'HEAD'], work);
    if (o['dry-run']) {
      console.log(`dry run: would push ${refs.join(', ')} at ${commit.slice(0, 12)} to ${o.to}`);
      return;
    }
    git(['push', '-q', 'origin', ...refs.map((r) => `${r}:${r.replace(/^\+/, '')}`)], work);
    console.log(
      `released ${o.tag} to ${o.to} (${commit.slice(0, 12)})${prerelease ? '' : `; v${major} moved to it`}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    release(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`release-action: ${error.message}`);
      process.exit(2);
    }
    const stderr = error.stderr?.toString().trim();
    console.error(`release-action: git failed: ${stderr || error.message}`);
    process.exit(1);
  }
}
