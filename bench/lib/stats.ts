/** Small numeric helpers and the result file writer shared by every benchmark. */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` decimals (results stay readable JSON). */
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export const MiB = 1024 * 1024;

export interface BenchResult {
  name: string;
  quick: boolean;
  target: string;
  met: boolean;
  /** project / baseline, median of the paired runs (higher is better unless the target says ≤). */
  ratio: number;
  [metric: string]: unknown;
}

/** Writes bench/results/<name>.json (the folder is created at run time) and returns the path. */
export async function writeResult(result: BenchResult): Promise<string> {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}${result.name}${result.quick ? '-quick' : ''}.json`;
  await writeFile(
    file,
    `${JSON.stringify({ ...result, at: new Date().toISOString(), node: process.version }, null, 2)}\n`,
  );
  return file;
}

/** Peak resident set size (VmHWM) of a live process, in MiB, from /proc. */
export async function peakRssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return round(kb / 1024, 1);
}

/** Current resident set size (VmRSS) of a live process, in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return round(Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]) / 1024, 1);
}

/** Resets VmHWM to the current RSS (Linux, `5 > clear_refs`); false where that is not allowed. */
export async function resetPeakRss(pid: number): Promise<boolean> {
  const { writeFile } = await import('node:fs/promises');
  return writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
}

/** Wall time of an async function in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
