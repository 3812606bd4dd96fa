/** Webhook secrets across export/import: in clear inside the export, sealed in each database. */
import { TransferError } from '../errors.js';
import type { Row } from './store-transfer.js';
import {
  isSealed,
  openWebhookSecret,
  sealWebhookSecret,
  webhookSecretKey,
} from './webhook-secrets.js';

type WebhookRow = { id: string; secret: string };

/** The server secret whose derived key seals webhook secrets in this install's database. */
export interface TransferKeys {
  serverSecret: Buffer;
}

/**
 * Webhook secrets travel in clear inside the export (which is as sensitive as the data dir):
 * the target may run under another server secret (a new SQLite data dir, or SNAPSHOTPLOT_SECRET
 * on PostgreSQL), and a ciphertext under the old one would leave every endpoint unable to sign.
 */
export function openSecrets(rows: Row[], serverSecret: Buffer): void {
  const key = webhookSecretKey(serverSecret);
  for (const r of rows as unknown as WebhookRow[]) {
    try {
      r.secret = openWebhookSecret(key, r.id, r.secret);
    } catch (error) {
      throw new TransferError(
        `${(error as Error).message}; give export the SNAPSHOTPLOT_SECRET (or data dir) that serve uses.`,
      );
    }
  }
}

/** Seals every imported webhook secret under the target's key (checked before any write). */
export function sealSecrets(rows: Row[], dir: string, serverSecret: Buffer): void {
  const key = webhookSecretKey(serverSecret);
  for (const r of rows as unknown as WebhookRow[]) {
    let secret = r.secret;
    if (isSealed(secret)) {
      try {
        secret = openWebhookSecret(key, r.id, secret);
      } catch {
        throw new TransferError(
          `${dir}/tables/webhooks.jsonl holds the encrypted secret of webhook ${r.id} under another server secret: export again with this version (it writes secrets the target can seal); nothing was imported.`,
        );
      }
    }
    r.secret = sealWebhookSecret(key, r.id, secret);
  }
}
