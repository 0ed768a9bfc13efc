import { BoundedCache } from '#shared/domain/bounded-cache.ts';
import type { Clock } from '#shared/ports/clock.ts';

/** How long after a connection's key was read valid an answer on it goes without another read. */
export const KEY_RECHECK_MS = 10_000;

/** Connections remembered (one warm WebSocket function instance); the least recently used go first. */
const CONNECTIONS = 10_000;

/**
 * When each connection's key was last read and found valid, per warm instance, so a busy agent's
 * answers do not each cost a read of its key. Only the check that follows an answer uses it: the
 * answer itself stands on its signed command id, and revoking a key closes its connections at
 * once; this read only catches a connection that outlived its revoke (a close that failed), and
 * now does so within {@link KEY_RECHECK_MS} of its next answer instead of at it.
 */
export class RecentKeyChecks {
  readonly #checked = new BoundedCache<string, number>(CONNECTIONS);
  readonly #now: Clock;
  readonly #intervalMs: number;

  constructor(now: Clock, intervalMs = KEY_RECHECK_MS) {
    this.#now = now;
    this.#intervalMs = intervalMs;
  }

  /** Whether the connection's key should be read again now. */
  due(connectionId: string): boolean {
    const at = this.#checked.get(connectionId);
    return at === undefined || this.#now() - at >= this.#intervalMs;
  }

  /** The connection's key was just read and found valid. */
  passed(connectionId: string): void {
    this.#checked.set(connectionId, this.#now());
  }
}
