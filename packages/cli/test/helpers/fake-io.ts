/** An in-memory CliIo: captures stdout/stderr, reads files from disk, steps a fake clock. */
import { readFileSync } from 'node:fs';
import type { Env } from '@snapshotplot/core';
import type { CliIo } from '../../src/io.js';

export interface FakeIo extends CliIo {
  out(): string;
  err(): string;
}

export function fakeIo(o: { env?: Env; cwd?: string; tty?: boolean } = {}): FakeIo {
  let stdout = '';
  let stderr = '';
  let clock = 0;
  return {
    env: o.env ?? {},
    cwd: o.cwd ?? process.cwd(),
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: o.tty ?? false, columns: 100 },
    readFile: (path) => readFileSync(path, 'utf8'),
    now: () => (clock += 50),
    out: () => stdout,
    err: () => stderr,
  };
}
