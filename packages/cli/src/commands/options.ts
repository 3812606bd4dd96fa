/** Option parsers and options shared by every command. */
import { type Command, InvalidArgumentError } from 'commander';

/** A positive integer option value. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new InvalidArgumentError('must be a whole number of 1 or more.');
  }
  return Number(value);
}

// Binary units throughout, as the server's limits (50 MiB) and the client's messages are.
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `50MB` (= 50 MiB), `20MiB`, `1048576` -> bytes. */
export function byteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new InvalidArgumentError('must be a size like 52428800, 50MB or 20MiB.');
  }
  return Math.floor(Number(m[1]) * unit);
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** --api-url, --token and --debug, which every command that talks to the server takes. */
export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--api-url <url>', 'server URL (env SNAPSHOTPLOT_API_URL)')
    .option('--token <token>', 'API token (env SNAPSHOTPLOT_TOKEN)')
    .option(
      '--oidc',
      "in CI: authenticate with the job's OIDC ID token, no token needed (env SNAPSHOTPLOT_OIDC)",
    )
    .option(
      '--oidc-audience <aud>',
      'audience of that ID token (env SNAPSHOTPLOT_OIDC_AUDIENCE; default the API URL)',
    )
    .option('--debug', 'show stack traces on errors');
}
