import { StaleWriteError } from '#shared/domain/errors.ts';

export interface StaleWriteRetry {
  /** Tries in all, the first included. */
  readonly attempts?: number;
  /** Upper bound of the first pause; each later one doubles. */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a read-modify-write again when another request's write got in between (its own read
 * was stale), after a jittered pause so racing requests spread out. For changes without an
 * If-Match: the client asked for "apply this to the current version", so the answer is to read
 * the current version again, not 412. After the last attempt the {@link StaleWriteError} (412)
 * reaches the caller.
 */
export async function retryStaleWrites<T>(
  attempt: () => Promise<T>,
  options: StaleWriteRetry = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 20;
  const sleep = options.sleep ?? pause;
  const random = options.random ?? Math.random;
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleWriteError) || tried >= attempts) throw error;
      // Full jitter in the upper half: never zero, never in lockstep.
      const ceiling = baseDelayMs * 2 ** (tried - 1);
      await sleep(ceiling / 2 + random() * (ceiling / 2));
    }
  }
}
