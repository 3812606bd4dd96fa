/** The one place the CLI builds its API client, so publish and the read commands agree. */
import { createClient, type SnapshotplotClient } from '@snapshotplot/api-client';
import { type Config, required } from './config.js';
import type { CliIo } from './io.js';

/** A client for the configured API URL and token (both required), retries and injected fetch. */
export function clientFor(config: Config, io: CliIo): SnapshotplotClient {
  return createClient({
    baseUrl: required(config, 'apiUrl'),
    token: required(config, 'token'),
    ...(config.retries !== undefined ? { retries: config.retries } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
}
