import { monotonicFactory } from 'ulid';
import type { IdGenerator } from '#shared/ports/ids.ts';

/**
 * ULIDs (48-bit millisecond time + 80 random bits, Crockford base32): unique without
 * coordination and sortable by creation time, which keeps lists in creation order. The
 * monotonic factory makes that hold within one millisecond too (and if the clock steps back):
 * it increments the previous id's random part instead of drawing a new one.
 */
export function createUlidGenerator(now: () => number = Date.now): IdGenerator {
  const ulid = monotonicFactory();
  return {
    next(prefix) {
      return `${prefix}_${ulid(now())}`;
    },
  };
}

/** Ids are opaque to clients but must be safe in a URL path segment and a DynamoDB key. */
export const ID_PATTERN = /^[a-z]{2,4}_[0-9A-Z]{26}$/;
