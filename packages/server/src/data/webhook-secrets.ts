/**
 * Webhook signing secrets at rest. The worker must sign with the secret itself (Standard
 * Webhooks is HMAC, so a hash would not do), but a copy of the database alone (a backup, a
 * replica's dump, a leaked `snapshotplot.db`) must not let anyone forge deliveries. Rows hold
 * `enc:v1:<iv>:<ciphertext>:<tag>` (base64url), AES-256-GCM under a key derived with HKDF-SHA256
 * from the server secret (SNAPSHOTPLOT_SECRET or secret.key) for this one purpose; the webhook
 * id is the associated data, so a ciphertext moved onto another endpoint's row fails to open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

/** The 32-byte key for webhook secrets, derived from the server secret. */
export function webhookSecretKey(serverSecret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, 'snapshotplot', 'webhook-secret', 32));
}

/** True for a value sealed by sealWebhookSecret (rows written before encryption hold the secret itself). */
export const isSealed = (stored: string) => stored.startsWith(PREFIX);

/** Encrypts a signing secret for the row of webhook `id`. */
export function sealWebhookSecret(key: Buffer, id: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const parts = [iv, ct, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return `${PREFIX}${parts.join(':')}`;
}

/** Thrown when a sealed secret does not open: another server secret, or an edited row. */
export class WebhookSecretError extends Error {
  constructor(id: string) {
    super(
      `the signing secret of webhook ${id} cannot be decrypted with this server's secret (SNAPSHOTPLOT_SECRET or secret.key changed?): restore that secret, or remove the webhook and add it again`,
    );
    this.name = 'WebhookSecretError';
  }
}

/** The signing secret of webhook `id`; a legacy plaintext value is returned as it is. */
export function openWebhookSecret(key: Buffer, id: string, stored: string): string {
  if (!isSealed(stored)) return stored;
  const [iv, ct, tag] = stored.slice(PREFIX.length).split(':');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64url'));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ct!, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new WebhookSecretError(id);
  }
}
