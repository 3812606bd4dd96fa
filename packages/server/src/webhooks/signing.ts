/**
 * Standard Webhooks (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of 32
 * random bytes; a delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed by the decoded
 * secret. Signed with the spec's own reference library so receivers using it always agree.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret, shown to the operator once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The three signature headers for one delivery attempt. */
export function signatureHeaders(
  secret: string,
  msgId: string,
  timestamp: Date,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, timestamp, body),
  };
}
