import { parseCron } from './cron.ts';
import { nextRuns } from './next-runs.ts';

export interface SchedulablePolicy {
  readonly cron: string;
  readonly timezone: string;
  readonly missedRuns: 'skip' | 'run-once';
}

/**
 * The ticks of a schedule to start for the window (fromMs, toMs]. While the scheduler runs, the
 * window is short and every tick in it fires. After downtime (`catchingUp`), the policy's rule
 * decides: `skip` fires nothing for the missed window, `run-once` fires only its latest tick.
 */
export function dueTicks(
  schedule: SchedulablePolicy,
  fromMs: number,
  toMs: number,
  catchingUp: boolean,
): number[] {
  if (toMs <= fromMs) return [];
  const spec = parseCron(schedule.cron);
  const ticks: number[] = [];
  let cursor = fromMs;
  // Bounded: a minute-level schedule over a long outage would otherwise list every minute.
  for (let batch = 0; batch < 100; batch++) {
    const next = nextRuns(spec, schedule.timezone, cursor, 100).filter((tick) => tick <= toMs);
    ticks.push(...next);
    if (next.length < 100) break;
    cursor = next.at(-1) as number;
  }
  if (!catchingUp) return ticks;
  const latest = ticks.at(-1);
  return schedule.missedRuns === 'run-once' && latest !== undefined ? [latest] : [];
}
