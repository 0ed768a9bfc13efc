import { ValidationError } from '#shared/domain/errors.ts';
import type { CronSpec } from './cron.ts';

/**
 * Encodes a value set in the shortest form EventBridge Scheduler accepts: `*`, `start/step`,
 * or a comma list of values and `a-b` ranges.
 */
function encodeSet(values: ReadonlySet<number>, min: number, max: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === max - min + 1) return '*';
  const [first, second] = sorted;
  if (first !== undefined && second !== undefined && sorted.length >= 3) {
    const step = second - first;
    const progression = sorted.every((value, index) => value === first + index * step);
    // `start/step` runs to the end of the field, so the progression must not stop early.
    if (progression && step > 1 && (sorted.at(-1) ?? 0) + step > max) return `${first}/${step}`;
  }
  const parts: string[] = [];
  let runStart = sorted[0];
  for (let index = 0; index < sorted.length; index++) {
    const value = sorted[index] as number;
    const next = sorted[index + 1];
    if (next === value + 1) continue;
    parts.push(runStart === value ? `${value}` : `${runStart}-${value}`);
    runStart = next;
  }
  return parts.join(',');
}

/**
 * Translates a crontab(5) schedule into EventBridge Scheduler's six-field `cron(...)`
 * expression. Scheduler needs `?` in one of the two day fields and counts weekdays 1-7 from
 * Sunday; it cannot express crontab's "either day field" rule, so a schedule restricting both
 * day-of-month and day-of-week is rejected with an explanation.
 */
export function cronToScheduler(spec: CronSpec, path = 'cron'): string {
  if (spec.dayOfMonthRestricted && spec.dayOfWeekRestricted) {
    throw ValidationError.single(
      path,
      'cron.both-day-fields',
      'EventBridge Scheduler cannot run on "day-of-month OR day-of-week"; restrict only one of the two day ' +
        'fields and leave the other as *',
    );
  }
  const minute = encodeSet(spec.minutes, 0, 59);
  const hour = encodeSet(spec.hours, 0, 23);
  const month = encodeSet(spec.months, 1, 12);
  const dayOfMonth = spec.dayOfWeekRestricted ? '?' : encodeSet(spec.daysOfMonth, 1, 31);
  const dayOfWeek = spec.dayOfWeekRestricted
    ? encodeSet(new Set([...spec.daysOfWeek].map((day) => day + 1)), 1, 7)
    : '?';
  return `cron(${minute} ${hour} ${dayOfMonth} ${month} ${dayOfWeek} *)`;
}
