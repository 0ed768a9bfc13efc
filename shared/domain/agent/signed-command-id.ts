import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * A command's id carries its own proof of origin: `<id>.<expiry>.<mac>`, the MAC (HMAC-SHA-256,
 * 128 bits kept) over the tenant, the cluster, the id and the expiry, under a key only the
 * connector and the WebSocket function hold. The agent echoes the id as it always did, so an
 * answer proves it answers a command the service sent to this tenant's cluster, and until when,
 * without a record written before the command goes out. The command's body is not in the MAC: an
 * answer names its command only by id, and ids are unique, so binding the body would add nothing
 * the answer could be checked against.
 */

/** Who a command was sent to: the identity an answer's connection must have. */
export interface CommandScope {
  readonly tenantId: string;
  readonly clusterId: string;
}

/** What checking an answer's command id finds. */
export type CommandIdCheck = 'valid' | 'unsigned' | 'forged' | 'expired';

const MAC_BYTES = 16;
const SIGNED = /^([A-Za-z0-9_-]{1,60})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;

/**
 * Each key imported once: an HMAC over a raw Buffer imports the key on every call, six times the
 * cost of the MAC itself (it is computed for every command sent and every answer taken).
 */
const imported = new WeakMap<Buffer, KeyObject>();

function mac(key: Buffer, scope: CommandScope, id: string, expiresAt: number): Buffer {
  let secret = imported.get(key);
  if (!secret) {
    secret = createSecretKey(key);
    imported.set(key, secret);
  }
  // JSON keeps the fields apart whatever characters ids contain.
  const text = JSON.stringify([scope.tenantId, scope.clusterId, id, expiresAt]);
  return createHmac('sha256', secret).update(text).digest().subarray(0, MAC_BYTES);
}

/** The id a command is sent with: valid for answers from `scope`'s agent until `expiresAt` (epoch ms). */
export function signCommandId(key: Buffer, scope: CommandScope, id: string, expiresAt: number): string {
  const expiry = Math.max(0, Math.floor(expiresAt));
  return `${id}.${expiry.toString(36)}.${mac(key, scope, id, expiry).toString('base64url')}`;
}

/**
 * Whether `signed` is an id this service gave a command for `scope` (the answering connection's
 * tenant and cluster): `forged` also for another tenant's or cluster's command, `expired` once
 * `now` is past its expiry (`now` absent: the expiry is not checked, for a followed task's reports
 * that come long after).
 */
export function checkCommandId(
  key: Buffer,
  scope: CommandScope,
  signed: string,
  now?: number,
): CommandIdCheck {
  const parts = SIGNED.exec(signed);
  if (!parts) return 'unsigned';
  const [, id = '', expiry = ''] = parts;
  const expiresAt = Number.parseInt(expiry, 36);
  // Compared as text: another spelling of the same number or MAC bytes (a leading zero, the last
  // character's spare bits) would be another id, a record key a replayed answer could take.
  const expected = Buffer.from(signCommandId(key, scope, id, expiresAt));
  const given = Buffer.from(signed);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
  return now !== undefined && now > expiresAt ? 'expired' : 'valid';
}

/** When a signed id expires (epoch ms); undefined for an id that is not signed. */
export function commandIdExpiry(signed: string): number | undefined {
  const expiry = SIGNED.exec(signed)?.[2];
  return expiry === undefined ? undefined : Number.parseInt(expiry, 36);
}
