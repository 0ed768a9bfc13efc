import { BoundedCache } from '#shared/domain/bounded-cache.ts';

export interface MessageRateLimits {
  /** Messages per second an agent may send, sustained. */
  readonly perSecond: number;
  /** Messages it may send at once (a paged answer comes in a burst). */
  readonly burst: number;
}

/**
 * Generous for an agent's traffic: an answer per command (a run polls each task in flight every
 * 2 s: 200 guests at once on one cluster send ~100 answers a second), pages of large answers, a
 * ping per 5 minutes. It stops a runaway or hostile agent, not a busy one.
 */
export const AGENT_MESSAGE_LIMITS: MessageRateLimits = { perSecond: 500, burst: 1000 };

interface Bucket {
  tokens: number;
  at: number;
  /** Set once a message was over the limit: the connection is being closed, later ones are only dropped. */
  over?: boolean;
}

/** `within`; `over`: the first message over the limit (close, say so once); `still-over`: any later one. */
export type RateDecision = 'within' | 'over' | 'still-over';

/**
 * A token bucket per connection: `take` says whether one more message is within the limits,
 * and whether it is the first one over them.
 * Held in memory by whatever handles the connection's messages (the local gateway's process,
 * a warm instance of the WebSocket function in AWS, where the stage's throttle also bounds the
 * whole API); at most `capacity` connections are remembered, so a flood of connections cannot
 * grow it.
 */
export class MessageRateLimiter {
  readonly #limits: MessageRateLimits;
  readonly #now: () => number;
  readonly #buckets: BoundedCache<string, Bucket>;

  constructor(limits: MessageRateLimits, now: () => number, capacity = 10_000) {
    this.#limits = limits;
    this.#now = now;
    this.#buckets = new BoundedCache(capacity);
  }

  take(connectionId: string): RateDecision {
    const now = this.#now();
    const bucket = this.#buckets.get(connectionId) ?? { tokens: this.#limits.burst, at: now };
    if (bucket.over) return 'still-over';
    const refilled = Math.min(
      this.#limits.burst,
      bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.#limits.perSecond,
    );
    const within = refilled >= 1;
    this.#buckets.set(connectionId, { tokens: within ? refilled - 1 : refilled, at: now, over: !within });
    return within ? 'within' : 'over';
  }
}
