/**
 * `snapshotplot-server serve`: the HTTP server over an install. Its flags are the serve
 * settings (settings/serve.ts) plus the public URL and upload mode; where the install lives
 * comes from the shared install option set every command has (program.ts).
 */
import type { Command } from 'commander';
import { resolveConfig } from '../config.js';
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
    // Imported lazily so admin commands do not pay for loading express and pino.
    const { startServer } = await import('../server.js');
    const server = await startServer({ config, storage, now: io.now });
    if (server.empty) {
      io.stderr(
        `No projects yet in ${config.dataDir}. Create one and a publisher token (works while the server runs):\n` +
          `  snapshotplot-server project create --name "My project" --data-dir ${config.dataDir}\n` +
          `  snapshotplot-server token create --project <id> --role publisher --data-dir ${config.dataDir}\n`,
      );
    }
    io.stderr(`snapshotplot-server listening on ${server.url}\n`);
    io.onServing?.(server.close);
  });
}
