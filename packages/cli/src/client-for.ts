/** The one place the CLI builds its API client, so publish and the read commands agree. */
import {
  createClient,
  describeRetry,
  describeTiming,
  type SnapshotplotClient,
} from '@snapshotplot/api-client';
import { ciIdToken, IdTokenError } from '@snapshotplot/core';
import { type Config, required } from './config.js';
import { CliError, EXIT } from './errors.js';
import type { CliIo } from './io.js';

/**
 * A client for the configured API URL and credential: the token, or with --oidc the CI job's ID
 * token for --oidc-audience (default the API URL, what the server expects by default).
 * Each retry is announced through `say` (a stderr line by default; never stdout, which --json
 * keeps for the result), so an outage is a visible wait rather than a silent one.
 * With --debug, every answered request prints one `debug: …` line of timings on stderr.
 */
export async function clientFor(
  config: Config,
  io: CliIo,
  say: (line: string) => void = (line) => io.stderr.write(`${line}\n`),
): Promise<SnapshotplotClient> {
  const baseUrl = required(config, 'apiUrl');
  return createClient({
    baseUrl,
    token: config.oidc ? await idToken(config, baseUrl, io) : required(config, 'token'),
    onRetry: (event) => say(`  ${describeRetry(event)}`),
    ...(io.debug
      ? { onTiming: (event) => io.stderr.write(`debug: ${describeTiming(event)}\n`) }
      : {}),
    ...(config.retries !== undefined ? { retries: config.retries } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
}

async function idToken(config: Config, baseUrl: string, io: CliIo): Promise<string> {
  try {
    return await ciIdToken(io.env, config.oidcAudience ?? baseUrl, io.fetch);
  } catch (error) {
    if (error instanceof IdTokenError) throw new CliError(EXIT.auth, error.message);
    throw error;
  }
}
