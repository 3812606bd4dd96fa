/** The server's HMAC secret: SNAPSHOTPLOT_SECRET (the settings' `secret`), else a file in the data dir made on first start. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, tighten } from './data-dir.js';
import { ConfigError } from './errors.js';

export const SECRET_FILE = 'secret.key';

/** Reads or creates `<dataDir>/secret.key` (mode 0600; `wx` so two starters agree on one). */
export function loadSecret(dataDir: string, given?: string): Buffer {
  if (given) return Buffer.from(given, 'utf8');
  const file = join(dataDir, SECRET_FILE);
  ensurePrivateDir(dataDir);
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    tighten(file, 0o600); // made readable by others before this version checked
  }
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < 32)
    throw new Error(`${file} is too short: delete it to generate a new secret.`);
  return Buffer.from(text, 'utf8');
}

/**
 * The secret an admin command shares with `serve` on the same data dir and environment. On
 * a shared database (PostgreSQL) the command may run on another machine than `serve`: a
 * secret it made up there would seal and sign with a key no server has, so it must be given
 * (SNAPSHOTPLOT_SECRET, already checked by the settings) or already be in the data dir.
 */
export function commandSecret(install: {
  dataDir: string;
  databaseUrl?: string;
  secret?: string;
}): Buffer {
  if (!install.secret && install.databaseUrl && !existsSync(join(install.dataDir, SECRET_FILE))) {
    throw new ConfigError(
      `No server secret here: set SNAPSHOTPLOT_SECRET to the value \`serve\` uses (or run this on the server with its --data-dir, which holds ${SECRET_FILE}).`,
      'secret',
    );
  }
  return loadSecret(install.dataDir, install.secret);
}
