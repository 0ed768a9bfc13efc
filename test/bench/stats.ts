/** Percentile of a list of samples (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Rounds run before timing: enough for DynamoDB Local's JVM to compile its hot paths (with 50,
 * a path of a few table calls still timed partly interpreted code).
 */
const WARM_UP_ROUNDS = 200;

/**
 * Times `subject` and `baseline` alternately, so both see the same machine noise, after a warm-up.
 */
export async function compare(
  iterations: number,
  baseline: () => Promise<unknown>,
  subject: () => Promise<unknown>,
): Promise<{ baseline: number[]; subject: number[] }> {
  for (let index = 0; index < Math.min(WARM_UP_ROUNDS, iterations); index++) {
    await baseline();
    await subject();
  }
  const result = { baseline: [] as number[], subject: [] as number[] };
  for (let index = 0; index < iterations; index++) {
    result.baseline.push(await timeOnce(baseline));
    result.subject.push(await timeOnce(subject));
  }
  return result;
}

export function report(label: string, samples: { baseline: number[]; subject: number[] }): string {
  const row = (p: number) => {
    const base = percentile(samples.baseline, p);
    const subject = percentile(samples.subject, p);
    return `p${p} ${subject.toFixed(2)} ms vs ${base.toFixed(2)} ms = ${(subject / base).toFixed(2)}x`;
  };
  return `${label}: ${row(50)}; ${row(99)}`;
}
