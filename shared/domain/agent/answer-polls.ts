/** The first look when nothing was measured yet, and the step of the looks after a missed one. */
export const MIN_POLL_MS = 10;
/** The longest pause between two looks at a command's answer. */
export const MAX_POLL_MS = 200;
/** Latencies kept per cluster: enough for a stable median, few enough to follow a change soon. */
const SAMPLES = 16;
/** Clusters remembered (one warm connector instance); the least recently answered one goes first. */
const CLUSTERS = 500;

/**
 * How long a cluster's agent has recently taken to answer (from the command's push to the
 * answer's write), per cluster: a cluster behind a slow WAN link answers in 80 ms, a near one in
 * 15. The waiting connector looks at the table first when that cluster's answers usually came
 * (the median of its recent latencies), instead of a fixed ladder that reads an unanswered item
 * several times for a far cluster and waits past the answer for a near one.
 */
export class AnswerLatency {
  readonly #samples = new Map<string, number[]>();

  record(clusterId: string, ms: number): void {
    const samples = this.#samples.get(clusterId) ?? [];
    this.#samples.delete(clusterId);
    samples.push(Math.max(0, ms));
    if (samples.length > SAMPLES) samples.shift();
    this.#samples.set(clusterId, samples);
    if (this.#samples.size > CLUSTERS) this.#samples.delete(this.#samples.keys().next().value as string);
  }

  /** When to look first after pushing a command to this cluster's agent. */
  firstPollMs(clusterId: string): number {
    const samples = this.#samples.get(clusterId);
    if (!samples || samples.length === 0) return MIN_POLL_MS;
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? MIN_POLL_MS;
    return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.round(median)));
  }
}

/**
 * The pause before the n-th look (from 0) at a command's answer: the first when the answer is
 * expected, then soon after (an answer a little late is not waited for long), doubling up to
 * {@link MAX_POLL_MS} for an agent that is slow or gone.
 */
export function pollDelayMs(waits: number, firstMs: number): number {
  if (waits === 0) return firstMs;
  return Math.min(MAX_POLL_MS, MIN_POLL_MS * 2 ** Math.min(waits - 1, 10));
}
