import { cronMatchesDay, parseCron } from '../schedule/cron.ts';
import { instantsOfWallClock, wallClockAt } from '../time-zone.ts';

export interface TickSchedule {
  readonly cron: string;
  readonly timezone: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** No zone is more than 14 hours ahead of UTC: a civil day starting this long after `toMs` is past it. */
const MAX_ZONE_AHEAD_MS = 14 * 3_600_000;

/**
 * Every tick of the schedule in [fromMs, toMs), with the scheduler's own rules (`nextRuns`: a
 * wall time that does not exist is skipped, one that occurs twice fires at its first
 * occurrence): the runs a period should have. Not capped like the scheduler's catch-up, and
 * cheap at minute level: on a day whose offset does not change (the wall clock runs 23:59 from
 * midnight), ticks are midnight plus their minutes; only a transition day resolves each wall time.
 */
export function ticksInPeriod(schedule: TickSchedule, fromMs: number, toMs: number): number[] {
  const spec = parseCron(schedule.cron);
  const zone = schedule.timezone;
  const hours = [...spec.hours].sort((a, b) => a - b);
  const minutes = [...spec.minutes].sort((a, b) => a - b);
  const start = wallClockAt(zone, fromMs);
  const firstDay = Date.UTC(start.year, start.month - 1, start.day);
  const ticks: number[] = [];
  const keep = (tick: number | undefined) => {
    if (tick !== undefined && tick >= fromMs && tick < toMs) ticks.push(tick);
  };
  for (let day = firstDay; day - MAX_ZONE_AHEAD_MS < toMs; day += DAY_MS) {
    const date = new Date(day);
    const civil = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    if (!cronMatchesDay(spec, civil.year, civil.month, civil.day)) continue;
    const at = (hour: number, minute: number) =>
      instantsOfWallClock(zone, { ...civil, hour, minute, second: 0 });
    const midnight = at(0, 0);
    const last = at(23, 59);
    const steady =
      midnight.length === 1 &&
      last.length === 1 &&
      (last[0] as number) - (midnight[0] as number) === 1439 * MINUTE_MS;
    for (const hour of hours) {
      for (const minute of minutes) {
        keep(steady ? (midnight[0] as number) + (hour * 60 + minute) * MINUTE_MS : at(hour, minute)[0]);
      }
    }
  }
  return ticks;
}
