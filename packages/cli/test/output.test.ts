import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate } from '../src/output/format.js';
import { plainReporter, ttyReporter } from '../src/output/progress.js';
import { formatFields, formatTable } from '../src/output/table.js';

const ESC = '\x1b';

function sink() {
  let text = '';
  return { write: (s: string) => (text += s), columns: 100, text: () => text };
}
function clock() {
  let t = 0;
  return () => (t += 200);
}

describe('reporters', () => {
  it('plain: one line when an upload starts and one when it ends, no escape codes', () => {
    const out = sink();
    const r = plainReporter(out, clock());
    r.info('Publishing "Loss"');
    for (const sent of [0, 524_288, 1_048_576, 1_048_576])
      r.upload('loss/plot', 'plot loss.png', sent, 1_048_576);
    r.close();
    expect(out.text().split('\n')).toEqual([
      'Publishing "Loss"',
      '  plot loss.png: uploading 1 MiB',
      '  plot loss.png: 1 MiB uploaded in 200 ms (5 MiB/s)',
      '',
    ]);
    expect(out.text()).not.toContain(ESC);
  });

  it('tty: draws a bar with bytes and rate, then replaces it with the done line', () => {
    const out = sink();
    let t = 1000;
    const r = ttyReporter(out, () => t);
    r.upload('a/plot', 'plot a.png', 0, 2_097_152);
    t += 400;
    r.upload('a/plot', 'plot a.png', 1_048_576, 2_097_152);
    expect(out.text()).toMatch(/plot a\.png \[█+░+\] {2}50% 1 MiB\/2 MiB 2\.5 MiB\/s/);
    t += 400;
    r.upload('a/plot', 'plot a.png', 2_097_152, 2_097_152);
    r.close();
    expect(out.text()).toContain('plot a.png: 2 MiB uploaded in 800 ms (2.5 MiB/s)');
    expect(out.text()).toContain('\x1b[1A\x1b[2K'); // the live bar was erased, not left behind
  });
  it('tty: cuts bars to the terminal width so erasing never leaves wrapped rows behind', () => {
    const out = { ...sink(), columns: 40 };
    let text = '';
    out.write = (s: string) => (text += s);
    const r = ttyReporter(out, () => 1000);
    r.upload('x', `plot ${'very-long-name-'.repeat(5)}.png`, 10, 100);
    const drawn = text.split('\n').filter((l) => l.includes('plot'));
    expect(drawn).toHaveLength(1);
    expect(drawn[0]!.replace(`${ESC}[2K\r`, '').length).toBeLessThanOrEqual(39);
  });
});

describe('formats', () => {
  it('formats sizes, rates and durations', () => {
    expect([formatBytes(999), formatBytes(1536), formatBytes(52_428_800)]).toEqual([
      '999 bytes',
      '1.5 KiB',
      '50 MiB',
    ]);
    expect([formatRate(0, 10), formatRate(1_048_576, 500)]).toEqual(['-', '2 MiB/s']);
    expect([formatDuration(56.4), formatDuration(1234)]).toEqual(['56 ms', '1.2 s']);
  });

  it('aligns table columns and key/value fields, leaving empty values out', () => {
    expect(
      formatTable(
        ['ID', 'TITLE'],
        [
          ['snap_1', 'Loss'],
          ['snap_22', 'A'],
        ],
      ),
    ).toBe('ID       TITLE\nsnap_1   Loss\nsnap_22  A');
    expect(
      formatFields([
        ['Title', 'Loss'],
        ['Branch', null],
        ['Commit', 'abc'],
      ]),
    ).toBe('Title:  Loss\nCommit: abc');
  });
});
