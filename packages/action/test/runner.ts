/**
 * Runs the committed bundle the way the GitHub runner does: `node dist/index.js` with the
 * inputs as `INPUT_*` variables (hyphens kept), the event payload in a file, and
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files to read back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));

export interface RunnerResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface RunnerOptions {
  inputs: Record<string, string>;
  eventName: string;
  payload: Record<string, unknown>;
  workspace: string;
  sha?: string;
  ref?: string;
  env?: Record<string, string>;
}

/** Parses the GITHUB_OUTPUT file format `name<<delimiter\nvalue\ndelimiter`. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

/** Spawns the bundle with a runner-like environment; nothing is inherited but PATH. */
export async function runBundle(o: RunnerOptions): Promise<RunnerResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'snapshotplot-runner-'));
  try {
    const eventPath = join(tmp, 'event.json');
    const outputPath = join(tmp, 'output');
    const summaryPath = join(tmp, 'step_summary');
    await writeFile(eventPath, JSON.stringify(o.payload));
    await writeFile(outputPath, '');
    await writeFile(summaryPath, '');
    const repo =
      (o.payload.repository as { full_name?: string } | undefined)?.full_name ??
      'octo-org/octo-repo';
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: o.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_WORKSPACE: o.workspace,
      GITHUB_REPOSITORY: repo,
      GITHUB_SHA: o.sha ?? 'e'.repeat(40),
      GITHUB_REF: o.ref ?? 'refs/heads/main',
      GITHUB_RUN_ID: '123456789',
      GITHUB_RUN_ATTEMPT: '3',
      GITHUB_RUN_NUMBER: '42',
      GITHUB_WORKFLOW: 'Plots',
      GITHUB_JOB: 'publish',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      RUNNER_TEMP: tmp,
      ...o.env,
    };
    for (const [name, value] of Object.entries(o.inputs)) {
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        [BUNDLE],
        { env, cwd: o.workspace, timeout: 30_000 },
        (err, stdout, stderr) => {
          const c = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code: c, stdout, stderr });
        },
      );
    });
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputFile(await readFile(outputPath, 'utf8')),
      summary: await readFile(summaryPath, 'utf8'),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
