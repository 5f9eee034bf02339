import { createHmac, randomBytes } from 'node:crypto';

/** A signing secret as the Standard Webhooks specification writes it: `whsec_` and base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The headers of one delivery, as the Standard Webhooks specification says: the message's id (the same on
 * every attempt, so that a receiver can drop a repeat), the time of this attempt, and HMAC-SHA256 of
 * `id.timestamp.body` under the secret's bytes.
 */
export function signedHeaders(secret: string, messageId: string, body: string, at = new Date()) {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
