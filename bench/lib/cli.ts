/** Running the built `snapshotplot` CLI and the curl baseline as child processes. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Project } from './processes.js';

const run = promisify(execFile);

/** The built CLI entry (packages/cli/dist/bin.js), resolved through the workspace link. */
export const CLI_BIN = join(
  dirname(createRequire(import.meta.url).resolve('snapshotplot/package.json')),
  'dist',
  'bin.js',
);
export const CURL_SCRIPT = fileURLToPath(new URL('../curl-publish.sh', import.meta.url));

/** The CLI's environment: this server and token, and no CI variables that change its work. */
export function cliEnv(p: Project): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return {
    ...env,
    SNAPSHOTPLOT_API_URL: p.server.url,
    SNAPSHOTPLOT_TOKEN: p.token,
    SNAPSHOTPLOT_PROJECT: p.projectId,
  };
}

/** Runs the CLI with args in cwd and returns its stdout (throws with stderr on failure). */
export async function runCli(p: Project, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI_BIN, ...args], {
    cwd,
    env: cliEnv(p),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Runs the curl baseline for one snapshot; returns its id. */
export async function runCurl(p: Project, title: string, plot: string, code: string) {
  const { stdout } = await run(CURL_SCRIPT, [
    p.server.url,
    p.token,
    p.projectId,
    title,
    plot,
    code,
  ]);
  return stdout.trim();
}

/** A small plot (a 1×1 PNG followed by 4 KiB of random bytes) and a code file. */
export async function writePair(dir: string, stem: string, png: Buffer): Promise<void> {
  await writeFile(join(dir, `${stem}.png`), png);
  await writeFile(
    join(dir, `${stem}.py`),
    `import matplotlib.pyplot as plt\n# ${stem}\nplt.plot([1, 2, 3])\nplt.savefig("${stem}.png")\n`,
  );
}
