/**
 * Reading settings, the one way every command does it: an explicit flag wins over the first
 * set environment variable of the setting, which wins over its default; zod validates, and a
 * bad value is a ConfigError (usage) naming the flag, its variables and the fix.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Setting } from './define.js';
import { INSTALL_SETTINGS } from './install.js';
import { SERVE_SETTINGS } from './serve.js';

/** Every setting of the server, by key (commander's camelCase of its flag). */
export const SETTINGS = { ...INSTALL_SETTINGS, ...SERVE_SETTINGS };

export type SettingKey = keyof typeof SETTINGS;
/** The resolved value of every setting. */
export type Settings = { [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> };
/** What a caller may give in-process (tests): the schemas' input types. */
export type SettingsInput = { [K in SettingKey]?: z.input<(typeof SETTINGS)[K]['schema']> };

export type Env = Record<string, string | undefined>;
export type Flags = Record<string, string | number | boolean | undefined>;

/** The flag of a setting as the user types it (`--data-dir`), or undefined for env-only ones. */
export const flagName = (s: Setting) => s.flag?.split(' ')[0];

/** `--port (or PORT/SNAPSHOTPLOT_PORT)`, or `SNAPSHOTPLOT_SECRET` for env-only settings. */
function names(key: SettingKey, rename: Partial<Record<SettingKey, string>>): string {
  const s: Setting = SETTINGS[key];
  const flag = rename[key] ?? flagName(s);
  return flag ? `${flag} (or ${s.env.join('/')})` : s.env.join('/');
}

/** The zod object of some settings, for in-process callers that give values directly. */
export function schemaOf<K extends SettingKey>(keys: readonly K[]) {
  return z.object(
    Object.fromEntries(keys.map((k) => [k, SETTINGS[k].schema])),
  ) as unknown as z.ZodType<Pick<Settings, K>, Pick<SettingsInput, K>>;
}

/** Validates given values; the first bad one becomes a ConfigError. */
export function parseSettings<K extends SettingKey>(
  keys: readonly K[],
  values: Record<string, unknown>,
  rename: Partial<Record<SettingKey, string>> = {},
): Pick<Settings, K> {
  const parsed = schemaOf(keys).safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0]) as SettingKey;
  const given = values[key];
  const shown =
    SETTINGS[key].sensitive || typeof given !== 'string' ? '' : ` "${given.slice(0, 100)}"`;
  throw new ConfigError(`Invalid ${names(key, rename)}${shown}: ${issue.message}.`, key);
}

/**
 * The settings `keys` from flags (commander's option values, camelCase) and the environment.
 * `rename` names a setting by another flag in messages (login-link's `--url`).
 */
export function resolveSettings<K extends SettingKey>(
  keys: readonly K[],
  flags: Flags,
  env: Env,
  rename: Partial<Record<SettingKey, string>> = {},
): Pick<Settings, K> {
  const merged: Record<string, unknown> = {};
  for (const key of keys) {
    const fromEnv = SETTINGS[key].env.map((v) => env[v]).find((v) => v !== undefined && v !== '');
    if (flags[key] !== undefined) merged[key] = flags[key];
    else if (fromEnv !== undefined) merged[key] = fromEnv;
  }
  return parseSettings(keys, merged, rename);
}
