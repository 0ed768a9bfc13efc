import { parseCron } from '../schedule/cron.ts';
import { nextRuns } from '../schedule/next-runs.ts';

export interface TickSchedule {
  readonly cron: string;
  readonly timezone: string;
}

const BATCH = 1000;

/**
 * Every tick of the schedule in [fromMs, toMs), with the scheduler's own rules (daylight saving
 * included): the runs a period should have. Unlike the scheduler's catch-up (`dueTicks`), not
 * capped, so a minute-level schedule over a long period is counted in full.
 */
export function ticksInPeriod(schedule: TickSchedule, fromMs: number, toMs: number): number[] {
  const spec = parseCron(schedule.cron);
  const ticks: number[] = [];
  let cursor = fromMs - 1;
  while (cursor < toMs) {
    const next = nextRuns(spec, schedule.timezone, cursor, BATCH);
    for (const tick of next) if (tick < toMs) ticks.push(tick);
    const last = next.at(-1);
    if (next.length < BATCH || last === undefined || last >= toMs) break;
    cursor = last;
  }
  return ticks;
}
