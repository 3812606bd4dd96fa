/**
 * Settings as commander options, built from the tables so a flag's help names its variables
 * and default as resolve.ts reads them. `installOptions` is the one option set every command
 * that opens the install takes (`--data-dir`, `--database-url`, `--storage` and the S3
 * connection), checked before the command's action runs, so a bad value never writes anything.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseS3Url } from '../storage/s3-url.js';
import type { Setting } from './define.js';
import { INSTALL_KEYS } from './install.js';
import {
  type Env,
  type Flags,
  resolveSettings,
  SETTINGS,
  type SettingKey,
  type Settings,
} from './resolve.js';

/** `what it does (env A, B; default D)`. */
export function helpOf(s: Setting): string {
  const extra = [`env ${s.env.join(', ')}`, s.shownDefault && `default ${s.shownDefault}`];
  return `${s.help} (${extra.filter(Boolean).join('; ')})`;
}

/** Adds the flags of `keys` (settings without a flag are read from the environment only). */
export function settingOptions(cmd: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) {
    const s: Setting = SETTINGS[key];
    if (s.flag) cmd.option(s.flag, helpOf(s));
  }
  return cmd;
}

export type InstallSettings = Pick<Settings, (typeof INSTALL_KEYS)[number]>;

/**
 * Where the install is, from a command's flags (the shared set program.ts gives every command)
 * and the environment; the data dir made absolute.
 */
export function resolveInstall(flags: Record<string, unknown>, env: Env): InstallSettings {
  const s = resolveSettings(INSTALL_KEYS, flags as Flags, env);
  return { ...s, dataDir: resolve(s.dataDir) };
}

/**
 * The shared install option set, validated before the action (ConfigError, usage), the
 * s3:// URL in full even on commands that never open the storage.
 */
export function installOptions(cmd: Command, env: Env): Command {
  return settingOptions(cmd, INSTALL_KEYS).hook('preAction', (_self, action) => {
    const { storage } = resolveInstall(action.opts(), env);
    if (storage?.startsWith('s3://')) parseS3Url(storage);
  });
}
