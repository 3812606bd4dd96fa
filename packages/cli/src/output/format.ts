/** Human formats for sizes, rates and durations. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1234567 -> "1.2 MB" (SI units, as file managers show). */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Bytes over milliseconds -> "3.4 MB/s"; "-" before there is anything to measure. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0 || bytes <= 0) return '-';
  return `${formatBytes(Math.round((bytes * 1000) / ms))}/s`;
}

/** 1234 -> "1.2 s"; 56 -> "56 ms". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
