/**
 * `snapshotplot-server serve`: the HTTP server over an install. Its flags are the serve
 * settings (settings/serve.ts) plus the public URL and upload mode; where the install lives
 * comes from the shared install option set every command has (program.ts). With
 * `--workers N` (N > 1) this process becomes the cluster primary (cluster/primary.ts) and
 * forks N copies of itself, which land in `serveAsWorker`.
 */
import type { Command } from 'commander';
import { clusterRole } from '../cluster/worker.js';
import { resolveConfig } from '../config.js';
import { CliError } from '../errors.js';
import { settingOptions } from '../settings/options.js';
import type { SettingKey } from '../settings/resolve.js';
import { SERVE_SETTINGS } from '../settings/serve.js';
import { resolveStorageSettings } from '../settings/storage.js';
import type { CliIo } from './io.js';

const SERVE_FLAGS: SettingKey[] = [
  'host',
  'port',
  'publicUrl',
  ...(Object.keys(SERVE_SETTINGS) as SettingKey[]).filter((k) => k !== 'host' && k !== 'port'),
  'allowPrivateWebhooks',
  'uploadMode',
];

export function serveCommand(program: Command, io: CliIo): void {
  settingOptions(
    program
      .command('serve')
      .description('run the API server (SQLite + local disk in the data dir by default)'),
    SERVE_FLAGS,
  ).action(async (flags: Record<string, string | boolean | undefined>) => {
    const config = resolveConfig(flags, io.env);
    const storage = resolveStorageSettings(flags, io.env);
    const role = clusterRole(io.env);
    // Imported lazily so admin commands do not pay for loading express and pino.
    const { startServer } = await import('../server.js');
    if (role) {
      // A worker: its errors go to the primary, which prints one line and exits.
      try {
        const server = await startServer({ config, storage, now: io.now, cluster: role });
        role.ready(server.url, server.empty);
        io.onServing?.(server.close);
      } catch (error) {
        role.failed(
          error instanceof Error && error.message ? error.message : String(error),
          error instanceof CliError ? error.exitCode : 1,
        );
      }
      return;
    }
    let server: { url: string; empty: boolean; close(): Promise<void> };
    if (config.workers > 1) {
      const { startCluster } = await import('../cluster/primary.js');
      const { default: pino } = await import('pino');
      // Its lines carry `primary: true` (and `worker` when about one); workers' carry `worker`.
      const logger = pino({ level: config.logLevel }).child({ primary: true });
      server = await startCluster({
        workers: config.workers,
        config,
        storage,
        now: io.now,
        logger,
      });
    } else {
      server = await startServer({ config, storage, now: io.now });
    }
    if (server.empty) {
      io.stderr(
        `No projects yet in ${config.dataDir}. Create one and a publisher token (works while the server runs):\n` +
          `  snapshotplot-server project create --name "My project" --data-dir ${config.dataDir}\n` +
          `  snapshotplot-server token create --project <id> --role publisher --data-dir ${config.dataDir}\n`,
      );
    }
    const workers = config.workers > 1 ? ` (${config.workers} workers)` : '';
    io.stderr(`snapshotplot-server listening on ${server.url}${workers}\n`);
    io.onServing?.(server.close);
  });
}
