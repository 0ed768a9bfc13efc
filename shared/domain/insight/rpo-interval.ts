import { type CronSpec, cronMatchesDay, parseCron } from '#shared/domain/schedule/cron.ts';
import { wallClockAt } from '#shared/domain/time-zone.ts';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
/** Two years of days: a yearly schedule shows a whole gap whatever day the look starts on. */
export const INTERVAL_HORIZON_DAYS = 732;

/**
 * The interval a schedule promises between recovery points: the largest gap between two
 * consecutive ticks over the {@link INTERVAL_HORIZON_DAYS} days from `fromMs`, read on the
 * policy's wall clock (a daylight-saving change moves one gap a year by an hour; the grace
 * absorbs it). A schedule that fires at most once in the horizon (29 February) promises no more
 * than the horizon itself. Pure arithmetic on the cron's fields, no time-zone lookups per tick,
 * so it is cheap enough to compute per policy on every report.
 */
export function expectedIntervalMs(cron: string | CronSpec, timeZone: string, fromMs: number): number {
  const spec = typeof cron === 'string' ? parseCron(cron) : cron;
  const minutesOfDay = [...spec.hours]
    .flatMap((hour) => [...spec.minutes].map((minute) => hour * 60 + minute))
    .sort((a, b) => a - b);
  let largestInDay = 0;
  for (let index = 1; index < minutesOfDay.length; index++) {
    largestInDay = Math.max(largestInDay, (minutesOfDay[index] ?? 0) - (minutesOfDay[index - 1] ?? 0));
  }
  const first = minutesOfDay[0] ?? 0;
  const last = minutesOfDay.at(-1) ?? 0;
  const start = wallClockAt(timeZone, fromMs);
  const startDay = Date.UTC(start.year, start.month - 1, start.day);
  let previousDay: number | undefined;
  let largest = 0;
  for (let offset = 0; offset < INTERVAL_HORIZON_DAYS; offset++) {
    const date = new Date(startDay + offset * 86_400_000);
    if (!cronMatchesDay(spec, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())) continue;
    if (previousDay !== undefined) {
      largest = Math.max(largest, (offset - previousDay) * DAY_MINUTES - last + first, largestInDay);
    }
    previousDay = offset;
  }
  return (largest === 0 ? INTERVAL_HORIZON_DAYS * DAY_MINUTES : largest) * MINUTE_MS;
}
