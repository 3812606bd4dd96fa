/** Plain-text tables for people: no escape codes, so they read the same in a log. */

/** Cuts a cell to `max` characters with an ellipsis. */
export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** Columns padded to their widest cell, separated by two spaces, trailing spaces trimmed. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Key/value lines with aligned values; rows without a value are left out. */
export function formatFields(fields: Array<[string, string | null | undefined]>): string {
  const shown = fields.filter((f): f is [string, string] => !!f[1]);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}
