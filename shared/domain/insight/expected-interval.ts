import { parseCron } from '../schedule/cron.ts';
import { nextRuns } from '../schedule/next-runs.ts';
import { type TickSchedule, ticksInPeriod } from './schedule-ticks.ts';

const YEAR_MS = 366 * 86_400_000;

/**
 * The recovery-point objective a schedule promises: the longest gap between two consecutive
 * ticks over the year after `fromMs` (a weekday-only schedule promises the weekend's gap, not a
 * day). `undefined` for a schedule that fires at most once in the years ahead.
 */
export function expectedIntervalMs(schedule: TickSchedule, fromMs: number): number | undefined {
  let ticks = ticksInPeriod(schedule, fromMs, fromMs + YEAR_MS);
  // A yearly schedule: the year holds one tick; the next one tells the gap.
  if (ticks.length < 2) ticks = nextRuns(parseCron(schedule.cron), schedule.timezone, fromMs, 2);
  let longest: number | undefined;
  for (let index = 1; index < ticks.length; index++) {
    const gap = (ticks[index] as number) - (ticks[index - 1] as number);
    if (longest === undefined || gap > longest) longest = gap;
  }
  return longest;
}
