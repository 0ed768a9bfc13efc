import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HOOK_PHASES, type HookPhase } from './hook-spec.ts';

/** Which hook call a callback token answers: the keys of its record. */
export interface HookCallLocation {
  readonly tenantId: string;
  readonly runId: string;
  readonly guestId: string;
  readonly phase: HookPhase;
}

/**
 * Standard Webhooks' tolerance: a callback whose `webhook-timestamp` is further from now than
 * this is refused, so a captured request cannot be replayed later (the token is one-time anyway).
 */
export const CALLBACK_TOLERANCE_SECONDS = 300;

const SECRET_BYTES = 32;

/** SHA-256 (hex) of a token's secret part: what the call's record keeps instead of the secret. */
const callbackSecretHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * A one-time callback token for one hook call: the call's location (so the callback finds its
 * record without a lookup table outside the tenant's partitions) and 32 random bytes, of which
 * only the hash is stored. A location altered by a caller leads to a record whose hash does not
 * match: the location only says where to look, the secret proves the right to answer.
 */
export function newCallbackToken(
  location: HookCallLocation,
  random: (bytes: number) => Buffer = randomBytes,
): { token: string; hash: string } {
  const where = Buffer.from(
    JSON.stringify([location.tenantId, location.runId, location.guestId, location.phase]),
  ).toString('base64url');
  const secret = random(SECRET_BYTES).toString('base64url');
  return { token: `${where}.${secret}`, hash: callbackSecretHash(secret) };
}

/** The location and secret of a token; undefined for anything that is not one. */
export function parseCallbackToken(
  token: string,
): { location: HookCallLocation; secret: string } | undefined {
  const [where, secret, ...rest] = token.split('.');
  if (!where || !secret || rest.length > 0 || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(where, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 4 || !parts.every((part) => typeof part === 'string'))
    return undefined;
  const [tenantId, runId, guestId, phase] = parts as string[];
  if (!tenantId || !runId || !guestId || !HOOK_PHASES.includes(phase as HookPhase)) return undefined;
  return { location: { tenantId, runId, guestId, phase: phase as HookPhase }, secret };
}

/** Whether `secret` is the one whose hash a record keeps (compared in constant time). */
export function callbackSecretMatches(secret: string, hash: string | undefined): boolean {
  if (!hash) return false;
  const given = Buffer.from(callbackSecretHash(secret), 'hex');
  const kept = Buffer.from(hash, 'hex');
  return given.length === kept.length && timingSafeEqual(given, kept);
}
