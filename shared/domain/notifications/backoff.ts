/** Webhook delivery attempts in all (the first plus retries). */
export const WEBHOOK_ATTEMPTS = 5;

/**
 * Milliseconds to wait before retry `attempt` (1 = the first retry): exponential from `baseMs`,
 * capped at `maxMs`, with full jitter from `random` (0..1) so many receivers recovering at once
 * are not hit in lockstep. Never below half the exponential step.
 */
export function retryDelayMs(attempt: number, random: number, baseMs = 1000, maxMs = 30_000): number {
  const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (step / 2) * random);
}

/** Which webhook answers are worth another attempt: network errors, 5xx and 429; never other 4xx. */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429;
}
