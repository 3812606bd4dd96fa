/**
 * `serve`'s configuration: the serve settings plus where the install lives, read through the
 * settings tables (src/settings/): flags win over environment variables, which win over
 * defaults. Storage settings (storage/open-storage.ts takes them) come from the same tables.
 */
import { resolve } from 'node:path';
import {
  type Env,
  type Flags,
  parseSettings,
  resolveSettings,
  type SettingKey,
  type Settings,
  type SettingsInput,
} from './settings/resolve.js';
import { SERVE_SETTINGS } from './settings/serve.js';

export { parseDuration } from './settings/define.js';

/** The settings a running server reads (storage apart: settings/storage.ts). */
const SERVER_KEYS = [
  ...(Object.keys(SERVE_SETTINGS) as Array<keyof typeof SERVE_SETTINGS>),
  'dataDir',
  'databaseUrl',
  'publicUrl',
  'secret',
  'allowPrivateWebhooks',
] as const satisfies readonly SettingKey[];

type ServerKey = (typeof SERVER_KEYS)[number];
export type ServerConfig = Pick<Settings, ServerKey>;
export type ServerConfigInput = Pick<SettingsInput, ServerKey>;

/** Merges flags over the environment and validates; ConfigError (usage) names the bad setting. */
export function resolveConfig(flags: Flags, env: Env): ServerConfig {
  const c = resolveSettings(SERVER_KEYS, flags, env);
  return { ...c, dataDir: resolve(c.dataDir) };
}

/** The config for in-process use (tests): defaults plus the given values. */
export function makeConfig(input: ServerConfigInput): ServerConfig {
  const c = parseSettings(SERVER_KEYS, input as Record<string, unknown>);
  return { ...c, dataDir: resolve(c.dataDir) };
}
