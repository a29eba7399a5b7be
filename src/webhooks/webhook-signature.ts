import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks signature: HMAC-SHA256 of `<id>.<timestamp>.<body>` with the secret's bytes
 * (the base64 after `whsec_`), sent as `v1,<base64>`. A few lines of node:crypto rather than a
 * dependency; the e2e test checks it with the `standardwebhooks` package, an independent implementation.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The headers of one delivery attempt: the id is the message's (the same on every retry), the time is now. */
export function webhookHeaders(secret: string, id: string, body: string, now = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}
