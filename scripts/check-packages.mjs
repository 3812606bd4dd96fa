// Checks what npm would ship, on every `pnpm lint` (after `pnpm build`): publint --strict on
// each published package, @arethetypeswrong/cli on the libraries (ESM-only by policy, so only
// "CJS resolves to ESM" is accepted; node10 type resolution must work), and no README link or
// image that points outside the package (they break on npmjs.com).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const PACKAGES = ['api-client', 'core', 'cli', 'server'];
const LIBRARIES = new Set(['api-client', 'core', 'server']);
const errors = [];

for (const name of PACKAGES) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'dist'))) {
    errors.push(`packages/${name}/dist is missing: run \`pnpm build\` first.`);
    continue;
  }
  const run = (cmd, args) => {
    try {
      execFileSync(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    } catch (error) {
      errors.push(
        `packages/${name}: ${cmd} ${args.join(' ')}\n${error.stdout}${error.stderr}`.trim(),
      );
    }
  };
  run(join(root, 'node_modules', '.bin', 'publint'), ['--strict', '.']);
  if (LIBRARIES.has(name)) {
    run(join(root, 'node_modules', '.bin', 'attw'), [
      '--pack',
      '.',
      '--ignore-rules',
      'cjs-resolves-to-esm',
      '--format',
      'ascii',
    ]);
  }
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/(?:\]\(|src=")(\.\.\/[^)"\s]+)/g)) {
    errors.push(
      `packages/${name}/README.md links ${m[1]}, outside the package: use an absolute URL.`,
    );
  }
}
if (errors.length) {
  console.error(`check-packages: ${errors.length} problem(s)\n${errors.join('\n')}`);
  process.exit(1);
}
console.log(`check-packages: ${PACKAGES.length} packages clean (publint, attw, README links)`);
