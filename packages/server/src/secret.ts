/** The server's HMAC secret: SNAPSHOTPLOT_SECRET, else a file in the data dir made on first start. */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, tighten } from './data-dir.js';

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

/** The secret an admin command shares with `serve` on the same data dir and environment. */
export const commandSecret = (dataDir: string, env: Record<string, string | undefined>) =>
  loadSecret(dataDir, env.SNAPSHOTPLOT_SECRET || undefined);
