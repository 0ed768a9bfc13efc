import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Generates ids; passed in so tests can make them predictable. */
export interface IdGenerator {
  /** A new id with the given prefix, e.g. `pol_01JD7...`; later ids sort after earlier ones. */
  next(prefix: string): string;
}

/**
 * ULID-shaped ids (48-bit millisecond time + 80 random bits, Crockford base32): unique without
 * coordination and sortable by creation time, which keeps lists in creation order.
 */
export function createUlidGenerator(now: () => number = Date.now): IdGenerator {
  return {
    next(prefix) {
      let time = now();
      let timePart = '';
      for (let index = 0; index < 10; index++) {
        timePart = CROCKFORD.charAt(time % 32) + timePart;
        time = Math.floor(time / 32);
      }
      const random = randomBytes(16);
      let randomPart = '';
      for (let index = 0; index < 16; index++) randomPart += CROCKFORD.charAt((random[index] ?? 0) % 32);
      return `${prefix}_${timePart}${randomPart}`;
    },
  };
}

/** Ids are opaque to clients but must be safe in a URL path segment and a DynamoDB key. */
export const ID_PATTERN = /^[a-z]{2,4}_[0-9A-Z]{26}$/;
