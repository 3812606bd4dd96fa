/**
 * The processes a benchmark compares: the built snapshotplot-server (through the shared test
 * helper) and a baseline script from bench/baselines, each its own process on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';

export interface Project {
  server: TestServer;
  projectId: string;
  token: string;
}

/** Starts the built server (production log level and checks unless given) with one project and token. */
export async function startProject(o: { args?: string[]; logLevel?: string } = {}) {
  const server = await startTestServer({
    args: o.args,
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
