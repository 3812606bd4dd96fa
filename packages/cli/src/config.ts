/**
 * Configuration in one place: command-line flags over SNAPSHOTPLOT_* environment variables,
 * validated by one zod object. Repo/commit/branch/PR detection is in source.ts.
 */
import { IdSchema } from '@snapshotplot/api-client';
import type { Env } from '@snapshotplot/core';
import { z } from 'zod';
import { CliError, EXIT } from './errors.js';

/** Each setting's flag and environment variable, for lookup and for messages. */
export const SETTINGS = {
  apiUrl: { flag: '--api-url URL', env: 'SNAPSHOTPLOT_API_URL' },
  token: { flag: '--token TOKEN', env: 'SNAPSHOTPLOT_TOKEN' },
  project: { flag: '--project ID', env: 'SNAPSHOTPLOT_PROJECT' },
  collection: { flag: '--collection NAME', env: 'SNAPSHOTPLOT_COLLECTION' },
  author: { flag: '--author NAME', env: 'SNAPSHOTPLOT_AUTHOR' },
  retries: { flag: '(no flag)', env: 'SNAPSHOTPLOT_RETRIES' },
  oidc: { flag: '--oidc', env: 'SNAPSHOTPLOT_OIDC' },
  oidcAudience: { flag: '--oidc-audience AUD', env: 'SNAPSHOTPLOT_OIDC_AUDIENCE' },
} as const;
export type SettingName = keyof typeof SETTINGS;

const ConfigSchema = z.object({
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL like https://plots.example.com' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  token: z.string().trim().min(1).optional(),
  project: IdSchema.optional(),
  collection: z.string().trim().min(1).max(100).optional(),
  author: z.string().trim().min(1).max(200).optional(),
  retries: z.coerce.number().int().min(0).max(10).optional(),
  /** Authenticate with the CI job's OIDC ID token instead of a token (core/ci/id-token.ts). */
  oidc: z
    .enum(['1', 'true', '0', 'false'], { error: 'use 1/true or 0/false' })
    .transform((v) => v === '1' || v === 'true')
    .optional(),
  oidcAudience: z.string().trim().min(1).optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

export type ConfigFlags = Partial<Record<SettingName, string | boolean | undefined>>;

/** Flags win over the environment; blank values count as unset. */
export function resolveConfig(flags: ConfigFlags, env: Env): Config {
  const raw: Record<string, string> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as Array<
    [SettingName, (typeof SETTINGS)[SettingName]]
  >) {
    const flag = flags[name];
    const value =
      (typeof flag === 'boolean' ? String(flag) : flag?.trim()) || env[setting.env]?.trim();
    if (value) raw[name] = value;
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path[0] as SettingName;
    const from = flags[name] ? SETTINGS[name].flag.split(' ')[0] : SETTINGS[name].env;
    throw new CliError(EXIT.usage, `Invalid ${from}: ${issue.message}.`);
  }
  return parsed.data;
}

const WHAT: Record<SettingName, string> = {
  apiUrl: 'the server URL',
  token: 'an API token',
  project: 'the project id',
  collection: 'a collection',
  author: 'an author',
  retries: 'a retry count',
  oidc: 'whether to use the CI ID token',
  oidcAudience: 'an ID token audience',
};

/** The value of a required setting, or a usage error naming the flag and the variable. */
export function required<K extends SettingName>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined) {
    const s = SETTINGS[name];
    const oidc = name === 'token' ? " (or --oidc in CI, to use the job's ID token)" : '';
    throw new CliError(EXIT.usage, `Missing ${WHAT[name]}: pass ${s.flag} or set ${s.env}${oidc}.`);
  }
  return value as NonNullable<Config[K]>;
}
