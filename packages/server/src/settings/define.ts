/**
 * The shape of one setting: its flag, the environment variables that stand in for it (first
 * set one wins), its zod schema (format and default) and its help line. The tables in
 * install.ts and serve.ts are made of these; resolve.ts reads them, options.ts turns them into
 * commander options, so a flag, its variables and its default are written exactly once.
 */
import { z } from 'zod';
import { CliError } from '../errors.js';

export interface Setting<S extends z.ZodType = z.ZodType> {
  /** Commander flag, e.g. `--data-dir <dir>`; absent for settings read only from the environment. */
  flag?: string;
  env: readonly string[];
  schema: S;
  /** What it does, for --help; the variables and the default are added from the table. */
  help: string;
  /** The default as --help shows it. */
  shownDefault?: string;
  /** Never echoed in an error (a password in a URL, a key). */
  sensitive?: boolean;
}

/** Declares a setting (keeps the schema's type for the resolved settings). */
export const setting = <S extends z.ZodType>(s: Setting<S>): Setting<S> => s;

/** A whole number from `min`, given as a number or as text (flags and variables are text). */
export const int = (min: number) => z.coerce.number().int().min(min);

/** On/off: a boolean flag, or `1`/`true`/`0`/`false` in a variable. */
export const onOff = () =>
  z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false'])], {
      error: 'use 1, true, 0 or false',
    })
    .transform((v) => v === true || v === '1' || v === 'true');

/** Seconds, given as a number or a duration like 90m, 24h, 7d (the unit letters of parseDuration). */
export const seconds = (min: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+\s*[smhdw]?$/, 'use seconds or a duration like 24h')])
    .transform((v) => (typeof v === 'number' ? v : parseDuration(v)))
    .pipe(z.number().int().min(min));

/** "30d", "12h", "15m", "3600s" or a number of seconds -> seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  if (!m)
    throw new CliError(
      `Invalid duration "${text}": use a number with s, m, h, d or w, like 30d.`,
      2,
    );
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as '' | 's'];
  return Number(m[1]) * unit;
}
