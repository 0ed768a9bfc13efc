import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** Whose code it is: a code's MAC is bound to its tenant and subscription. */
export interface CodeOwner {
  readonly tenantId: string;
  readonly id: string;
}

/** A new 6-digit confirmation code (uniform over 000000-999999). */
export const newConfirmationCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/**
 * What is stored of a confirmation code: HMAC-SHA-256 under a service key, over the tenant, the
 * subscription and the code. A plain hash of six digits is reversed by trying all million
 * codes in under a second; without the key a copy of the table reveals nothing, and a MAC
 * copied onto another subscription does not match there.
 */
export function confirmationCodeMac(key: Buffer, owner: CodeOwner, code: string): string {
  return createHmac('sha256', key).update(`${owner.tenantId}\0${owner.id}\0${code}`).digest('base64url');
}

/** Whether `code` is the one whose MAC is stored, compared in constant time. */
export function confirmationCodeMatches(
  key: Buffer,
  owner: CodeOwner,
  code: string,
  storedMac: string,
): boolean {
  const expected = Buffer.from(confirmationCodeMac(key, owner, code));
  const stored = Buffer.from(storedMac);
  return expected.length === stored.length && timingSafeEqual(expected, stored);
}
