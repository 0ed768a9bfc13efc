import { instantsOfWallClock, wallClockAt } from '#shared/domain/time-zone.ts';
import { type CronSpec, cronMatchesDay } from './cron.ts';

// Feb 29 on a given weekday can be 28 years away; walking further means the schedule never fires.
const MAX_DAYS_AHEAD = 366 * 30;

/**
 * The next `count` instants (epoch ms, strictly after `afterMs`) at which the schedule fires in
 * `timeZone`, with EventBridge Scheduler's daylight-saving rules: a wall time that does not
 * exist (spring forward) is skipped, and a wall time that occurs twice (fall back) fires once,
 * at its first occurrence.
 */
export function nextRuns(spec: CronSpec, timeZone: string, afterMs: number, count: number): number[] {
  const runs: number[] = [];
  const start = wallClockAt(timeZone, afterMs);
  const hours = [...spec.hours].sort((a, b) => a - b);
  const minutes = [...spec.minutes].sort((a, b) => a - b);
  const startDay = Date.UTC(start.year, start.month - 1, start.day);
  for (let offset = 0; offset < MAX_DAYS_AHEAD && runs.length < count; offset++) {
    const date = new Date(startDay + offset * 86_400_000);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    if (!cronMatchesDay(spec, year, month, day)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const [first] = instantsOfWallClock(timeZone, { year, month, day, hour, minute, second: 0 });
        if (first === undefined || first <= afterMs) continue;
        runs.push(first);
        if (runs.length === count) return runs;
      }
    }
  }
  return runs;
}
