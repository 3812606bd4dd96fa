/**
 * A webhook receiver on 127.0.0.1 with scripted answers, and the admin CLI run in-process.
 * Every delivery's body must be a ProjectEvent of the contract (a SnapshotEvent also as
 * openapi.json has it): a payload that is not fails the test at the next until() or at close().
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ProjectEvent,
  ProjectEventSchema,
  type SnapshotEvent,
  SnapshotEventSchema,
} from '@snapshotplot/api-client/contract';
import { CommanderError } from 'commander';
import { buildProgram } from '../src/cli/program.js';
import { CliError } from '../src/errors.js';
import { testDatabaseEnv } from '../src/testing.js';
import { assertComponent } from './openapi-validator.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body, validated as the contract's ProjectEvent. */
  event?: ProjectEvent;
}

/** The delivery's payload as a ProjectEvent; throws (naming the problem) when it is not one. */
function eventOf(body: string): ProjectEvent {
  const json = JSON.parse(body) as { type?: unknown };
  // openapi.json has no component for comparison.ready alone: the contract's schema checks it.
  if (json?.type === 'comparison.ready') return ProjectEventSchema.parse(json);
  assertComponent('SnapshotEvent', json, 'webhook payload');
  return SnapshotEventSchema.parse(json) as SnapshotEvent;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests to one path. */
  at(path: string): Received[];
  /** Answers for a path, in order; the last one repeats. 0 = never answer (a timeout). */
  script(path: string, statuses: number[]): void;
  until(predicate: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver; unscripted paths answer 200. */
export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, number[]>();
  const received: Received[] = [];
  const problems: string[] = [];
  const check = () => {
    if (problems.length) throw new Error(`invalid webhook payloads:\n${problems.join('\n')}`);
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      let event: ProjectEvent | undefined;
      try {
        event = eventOf(body);
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
      received.push({ path, headers: req.headers, body, event });
      const list = scripts.get(path) ?? [200];
      const status = list.length > 1 ? list.shift()! : list[0]!;
      if (status === 0) return; // hang: the sender's timeout fires
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    script: (path, statuses) => scripts.set(path, [...statuses]),
    async until(predicate, ms = 5000) {
      const end = Date.now() + ms;
      while (!predicate()) {
        check();
        if (Date.now() > end) throw new Error(`timed out; received ${received.length} requests`);
        await new Promise((r) => setTimeout(r, 10));
      }
      check();
    },
    async close() {
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      check();
    },
  };
}

/** Runs `snapshotplot-server ARGS` in-process; returns exit code and output. */
export async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const program = buildProgram({
    // Under `pnpm test:postgres` the harness's data dir stands for its database.
    env: { ...testDatabaseEnv(args), ...env },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    now: () => new Date(),
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CliError)
      return { code: error.exitCode, stdout, stderr: stderr + error.message };
    if (error instanceof CommanderError) return { code: 2, stdout, stderr };
    throw error;
  }
}

/** Polls until `fn` returns a truthy value. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  ms = 5000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** The Standard Webhooks signature written out: v1,base64(HMAC-SHA256(decoded secret, "id.ts.body")). */
export function expectedSignature(secret: string, r: Received): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key)
    .update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`)
    .digest('base64');
  return `v1,${mac}`;
}
