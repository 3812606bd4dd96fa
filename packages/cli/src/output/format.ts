/** Human formats for rates and durations; sizes use the client's formatBytes (binary units). */
import { formatBytes } from '@snapshotplot/api-client';

export { formatBytes };

/** Bytes over milliseconds -> "3.4 MiB/s"; "-" before there is anything to measure. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0 || bytes <= 0) return '-';
  return `${formatBytes(Math.round((bytes * 1000) / ms))}/s`;
}

/** 1234 -> "1.2 s"; 56 -> "56 ms". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
