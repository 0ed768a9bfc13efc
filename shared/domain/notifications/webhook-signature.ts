import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WebhookSecrets } from './subscription.ts';

const PREFIX = 'whsec_';

/** A new signing secret in Standard Webhooks' form: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** `v1,<base64 HMAC-SHA256>` of `<id>.<timestamp>.<body>` keyed with the secret's bytes (Standard Webhooks). */
function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The `webhook-signature` header: the current secret's signature and, during a rotation's grace
 * period, the previous secret's too (space-separated), so receivers that still hold the old
 * secret keep verifying until they switch.
 */
export function signatureHeader(
  secrets: WebhookSecrets,
  now: number,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const signatures = [signWebhook(secrets.current, id, timestampSeconds, body)];
  if (secrets.previous && secrets.previousUntil && Date.parse(secrets.previousUntil) > now)
    signatures.push(signWebhook(secrets.previous, id, timestampSeconds, body));
  return signatures.join(' ');
}

/**
 * Whether a `webhook-signature` header (one or more space-separated `v1,<base64>`) carries a
 * valid signature of `<id>.<timestamp>.<body>` by one of the secrets (the current one, or the
 * previous one while its grace period lasts); compared in constant time.
 */
export function signatureMatches(
  secrets: WebhookSecrets,
  now: number,
  header: string,
  id: string,
  timestampSeconds: number,
  body: string,
): boolean {
  const expected = signatureHeader(secrets, now, id, timestampSeconds, body)
    .split(' ')
    .map((signature) => Buffer.from(signature));
  return header.split(' ').some((given) => {
    const bytes = Buffer.from(given);
    return expected.some((want) => want.length === bytes.length && timingSafeEqual(want, bytes));
  });
}
