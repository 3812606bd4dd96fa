/** The API client for the read commands, configured from flags and environment. */
import type { SnapshotplotClient } from '@snapshotplot/api-client';
import { clientFor } from '../client-for.js';
import { type Config, type ConfigFlags, required, resolveConfig } from '../config.js';
import type { ErrorContext } from '../errors.js';
import type { CliIo } from '../io.js';

/** Resolves the config, records it for error messages and builds a client. */
export async function readClient(
  flags: ConfigFlags,
  io: CliIo,
  ctx: ErrorContext,
): Promise<{ client: SnapshotplotClient; config: Config; apiUrl: string }> {
  const config = resolveConfig(flags, io.env);
  ctx.project = config.project;
  ctx.apiUrl = config.apiUrl;
  const apiUrl = required(config, 'apiUrl');
  return { client: await clientFor(config, io), config, apiUrl };
}
