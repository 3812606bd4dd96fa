/**
 * The processes a benchmark compares: the built snapshotplot-server (through the shared test
 * helper) and a baseline script from bench/baselines, each its own process on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';

export interface Project {
  server: TestServer;
  projectId: string;
  token: string;
}

/**
 * Starts the built server (production log level and checks unless given) with one project
 * and token; `workers` is `serve --workers` (1, a single process, unless given).
 */
export async function startProject(
  o: { args?: string[]; logLevel?: string; workers?: number; dataDir?: string } = {},
) {
  const server = await startTestServer({
    args: o.args,
    workers: o.workers,
    dataDir: o.dataDir,
    // As in production: the test helper turns on the contract check of every answer
    // (http/response-check.ts, a zod parse of each body), which a benchmark must not pay.
    env: { SNAPSHOTPLOT_LOG_LEVEL: o.logLevel ?? 'info', SNAPSHOTPLOT_CHECK_RESPONSES: '0' },
  });
  const project = await server.createProject('bench');
  const token = await server.createToken(project.id, 'publisher');
  return { server, projectId: project.id, token } satisfies Project;
}

export interface Baseline {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Spawns bench/baselines/<name>.mjs, which prints `listening on http://…` once ready. The
 * baselines use the server package's own express and better-sqlite3 (same versions).
 */
export async function startBaseline(name: string, args: string[] = []): Promise<Baseline> {
  const script = fileURLToPath(new URL(`../baselines/${name}.mjs`, import.meta.url));
  const serverRequire = createRequire(fileURLToPath(import.meta.resolve('snapshotplot-server')));
  const env = {
    ...process.env,
    BASELINE_EXPRESS: serverRequire.resolve('express'),
    BASELINE_SQLITE: serverRequire.resolve('better-sqlite3'),
  };
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`baseline ${name} exited with ${code}`)));
  });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * The `serve --workers` counts the publish-rate and list benchmarks compare:
 * SNAPSHOTPLOT_BENCH_WORKERS (`pnpm bench --workers 1,2` sets it), default 1 and 2.
 */
export function benchWorkerCounts(env = process.env): number[] {
  const text = env.SNAPSHOTPLOT_BENCH_WORKERS ?? '1,2';
  const counts = text.split(',').map((t) => Number(t.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(
      `SNAPSHOTPLOT_BENCH_WORKERS=${text}: use worker counts separated by commas, like 1,2.`,
    );
  }
  return counts;
}

/** utime + stime of one live process in ms (/proc/<pid>/stat fields 14 and 15, clock ticks). */
async function ownCpuMs(pid: number): Promise<{ ppid: number; ms: number } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 };
}

/**
 * CPU ms (user + system) of a process and its live children: a `serve --workers` primary and
 * its workers. (cutime/cstime would only count children that already exited.)
 */
export async function processTreeCpuMs(pid: number): Promise<number> {
  const own = await ownCpuMs(pid);
  let total = own?.ms ?? 0;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === pid) continue;
    const child = await ownCpuMs(Number(name));
    if (child?.ppid === pid) total += child.ms;
  }
  return total;
}
