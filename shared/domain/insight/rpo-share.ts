/**
 * The share (0..1) of the period [fromMs, toMs) during which a recovery point no older than
 * `intervalMs` existed: each point covers [time, time + interval), the share is the length of
 * their union within the period over the period's length. Points before the period count for
 * the start of it. An empty period has nothing to meet: 1.
 */
export function rpoShare(
  points: readonly number[],
  fromMs: number,
  toMs: number,
  intervalMs: number,
): number {
  const length = toMs - fromMs;
  if (length <= 0) return 1;
  const sorted = [...points].sort((a, b) => a - b);
  let covered = 0;
  let reach = fromMs;
  for (const point of sorted) {
    const start = Math.max(point, reach);
    const end = Math.min(point + intervalMs, toMs);
    if (end > start) {
      covered += end - start;
      reach = end;
    }
  }
  return covered / length;
}
