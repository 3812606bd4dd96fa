/**
 * Upload progress on stderr. On a terminal: one live bar per upload (bytes, rate) below the
 * log lines, redrawn at most ten times a second. Elsewhere (CI logs, pipes): plain lines at the
 * start and end of each upload, no escape codes.
 */
import type { CliIo, OutStream } from '../io.js';
import { formatBytes, formatDuration, formatRate } from './format.js';

export interface Reporter {
  /** A status line. */
  info(line: string): void;
  /** Progress of the upload `id` (e.g. `Loss curve/plot`). */
  upload(id: string, label: string, sent: number, total: number): void;
  /** Removes live bars; call before printing the result. */
  close(): void;
}

interface Bar {
  label: string;
  sent: number;
  total: number;
  started: number;
  done?: boolean;
}

function doneLine(bar: Bar, now: number) {
  const ms = now - bar.started;
  return `  ${bar.label}: ${formatBytes(bar.total)} uploaded in ${formatDuration(ms)} (${formatRate(bar.total, ms)})`;
}

/** Plain lines for logs. */
export function plainReporter(out: OutStream, now: () => number): Reporter {
  const bars = new Map<string, Bar>();
  return {
    info: (line) => out.write(`${line}\n`),
    upload(id, label, sent, total) {
      let bar = bars.get(id);
      if (!bar) {
        bar = { label, sent, total, started: now() };
        bars.set(id, bar);
        out.write(`  ${label}: uploading ${formatBytes(total)}\n`);
      }
      bar.sent = sent;
      if (sent >= total && !bar.done) {
        bar.done = true; // a retried upload may report 100% again; say it once
        out.write(`${doneLine(bar, now())}\n`);
      }
    },
    close: () => undefined,
  };
}

const CLEAR_LINE = '\x1b[2K\r';
const up = (n: number) => (n > 0 ? `\x1b[${n}A` : '');

/** Live bars for terminals. */
export function ttyReporter(out: OutStream, now: () => number): Reporter {
  const bars = new Map<string, Bar>();
  let drawn = 0;
  let lastDraw = 0;

  const barLine = (b: Bar) => {
    const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 60));
    const ratio = b.total > 0 ? Math.min(1, b.sent / b.total) : 1;
    const filled = Math.round(ratio * width);
    const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
    const rate = formatRate(b.sent, now() - b.started);
    return `  ${b.label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${pct} ${formatBytes(b.sent)}/${formatBytes(b.total)} ${rate}`;
  };
  const erase = () => {
    let s = '';
    for (let i = 0; i < drawn; i++) s += `${up(1)}${CLEAR_LINE}`;
    drawn = 0;
    return s;
  };
  const draw = (above = '') => {
    // A wrapped line would take two rows and throw off the erase count: cut to the width.
    const width = (out.columns ?? 80) - 1;
    const lines = [...bars.values()].map((b) => barLine(b).slice(0, width));
    out.write(`${erase()}${above}${lines.map((l) => `${CLEAR_LINE}${l}\n`).join('')}`);
    drawn = lines.length;
    lastDraw = now();
  };

  return {
    info: (line) => draw(`${CLEAR_LINE}${line}\n`),
    upload(id, label, sent, total) {
      const bar = bars.get(id) ?? { label, sent: 0, total, started: now() };
      bars.set(id, bar);
      bar.sent = sent;
      if (sent >= total) {
        bars.delete(id);
        draw(`${CLEAR_LINE}${doneLine(bar, now())}\n`);
      } else if (now() - lastDraw >= 100) {
        draw();
      }
    },
    close() {
      if (drawn) out.write(erase());
      bars.clear();
    },
  };
}

/** The reporter that fits where stderr goes. */
export function createReporter(io: CliIo, interactive: boolean): Reporter {
  return interactive ? ttyReporter(io.stderr, io.now) : plainReporter(io.stderr, io.now);
}
