/** Retention over 100,000 snapshots vs sorting the same 100,000 timestamps, in the same run. */
import { applyRetention } from '#shared/domain/retention.ts';
import { percentile } from './stats.ts';

export async function runRetentionBench(log: (line: string) => void): Promise<void> {
  const count = Number(process.env.BENCH_RETENTION_SNAPSHOTS ?? 100_000);
  const start = Date.parse('2020-01-01T00:00:00Z');
  // Hourly snapshots with jitter, as a busy policy produces.
  const candidates = Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    time: start + i * 3_600_000 + ((i * 7919) % 600) * 1000,
  }));
  const rule = {
    keepLast: 24,
    keepHourly: 48,
    keepDaily: 30,
    keepWeekly: 12,
    keepMonthly: 24,
    keepYearly: 5,
  };
  const now = start + count * 3_600_000;
  const sortTimes: number[] = [];
  const retention: number[] = [];
  for (let round = 0; round < 7; round++) {
    const shuffled = [...candidates].sort((a, b) => ((a.time * 13) % 101) - ((b.time * 13) % 101));
    let t = performance.now();
    [...shuffled.map((c) => c.time)].sort((a, b) => b - a);
    sortTimes.push(performance.now() - t);
    t = performance.now();
    applyRetention(rule, 'Europe/Berlin', shuffled, { now });
    retention.push(performance.now() - t);
  }
  const base = percentile(sortTimes, 50);
  const subject = percentile(retention, 50);
  log(
    `retention over ${count.toLocaleString('en')} snapshots (Europe/Berlin): p50 ${subject.toFixed(0)} ms vs sorting their times ${base.toFixed(0)} ms = ${(subject / base).toFixed(1)}x (target <= 5x)`,
  );
}
