import { type FieldIssue, ValidationError } from '#shared/domain/errors.ts';

/**
 * A parsed 5-field crontab(5) expression: `minute hour day-of-month month day-of-week`.
 * Each field is expanded to the set of values it allows; day-of-week uses 0-6 (0 = Sunday).
 */
export interface CronSpec {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  /** A day field is restricted when it does not allow every value of its range. */
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // crontab(5) accepts 7 as Sunday as well as 0.
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
];

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class FieldSyntaxError extends Error {}

function parseValue(token: string, rule: FieldRule): number {
  const lower = token.toLowerCase();
  const named = rule.names?.indexOf(lower) ?? -1;
  if (named >= 0) return rule.names === MONTH_NAMES ? named + 1 : named;
  if (!/^\d+$/.test(token)) {
    const hint = rule.names ? ` or a name (${rule.names.join(', ')})` : '';
    throw new FieldSyntaxError(`'${token}' is not a number${hint}`);
  }
  const value = Number(token);
  if (value < rule.min || value > rule.max) {
    throw new FieldSyntaxError(`${value} is outside ${rule.min}-${rule.max}`);
  }
  return value;
}

function parseField(text: string, rule: FieldRule): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!match?.[1]) throw new FieldSyntaxError(`'${item}' is not a value, range or step`);
    const [, base = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new FieldSyntaxError(`step in '${item}' must be at least 1`);
    let low: number;
    let high: number;
    if (base === '*') {
      low = rule.min;
      high = rule.max;
    } else if (base.includes('-')) {
      const [from = '', to = '', extra] = base.split('-');
      if (extra !== undefined) throw new FieldSyntaxError(`'${base}' is not a range`);
      low = parseValue(from, rule);
      high = parseValue(to, rule);
      if (low > high) throw new FieldSyntaxError(`range '${base}' runs backwards`);
    } else {
      low = parseValue(base, rule);
      // `N/step` means "from N to the end of the range, every step" (Vixie cron).
      high = stepText === undefined ? low : rule.max;
    }
    // crontab(5) implementations warn about such a step (cronie: "higher than possible maximum");
    // it can only ever give the range's first value, which is surely not what was meant.
    if (step > 1 && step > high - low) {
      throw new FieldSyntaxError(
        `step ${step} in '${item}' is larger than its range ${low}-${high}: it only ever gives ${low}`,
      );
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

function isFull(values: ReadonlySet<number>, min: number, max: number): boolean {
  for (let value = min; value <= max; value++) if (!values.has(value)) return false;
  return true;
}

/**
 * Parses a crontab(5) expression (5 fields, names for months and days, `*`, ranges, steps,
 * lists, and the `@daily`-style macros). Throws a {@link ValidationError} naming the field,
 * also for a step larger than its range and for a schedule that can never fire.
 */
export function parseCron(expression: string, path = 'cron'): CronSpec {
  const trimmed = expression.trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const texts = expanded.split(/\s+/).filter(Boolean);
  if (texts.length !== 5) {
    throw ValidationError.single(
      path,
      'cron.field-count',
      `a cron expression has 5 fields (minute hour day-of-month month day-of-week); got ${texts.length}`,
    );
  }
  const issues: FieldIssue[] = [];
  const sets = FIELDS.map((rule, index) => {
    try {
      return parseField(texts[index] ?? '', rule);
    } catch (error) {
      if (!(error instanceof FieldSyntaxError)) throw error;
      issues.push({ path, rule: 'cron.syntax', message: `${rule.name} field: ${error.message}` });
      return new Set<number>();
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
  const [minutes, hours, daysOfMonth, months, rawDaysOfWeek] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  const daysOfWeek = new Set([...rawDaysOfWeek].map((day) => day % 7));
  const spec: CronSpec = {
    source: trimmed,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthRestricted: !isFull(daysOfMonth, 1, 31),
    dayOfWeekRestricted: !isFull(daysOfWeek, 0, 6),
  };
  const never = neverFires(spec);
  if (never) throw ValidationError.single(path, 'cron.never-fires', `never fires: ${never}`);
  return spec;
}

const MONTH_LABELS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
/** The most days each month can have (February 29 in leap years). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const inWords = (items: readonly string[], conjunction: string) =>
  items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;

/**
 * Why a schedule can never fire, or undefined when it fires. Every month holds every weekday,
 * so only a day-of-month that none of the allowed months has (`0 0 31 2 *`) stops it; when
 * day-of-week is restricted too, crontab's "either" rule lets the weekdays fire.
 */
function neverFires(spec: CronSpec): string | undefined {
  if (!spec.dayOfMonthRestricted || spec.dayOfWeekRestricted) return undefined;
  const months = [...spec.months].sort((a, b) => a - b);
  const days = [...spec.daysOfMonth].sort((a, b) => a - b);
  if (months.some((month) => days.some((day) => day <= (MONTH_DAYS[month - 1] ?? 0)))) return undefined;
  const monthNames = months.map((month) => MONTH_LABELS[month - 1] ?? String(month));
  return `${inWords(monthNames, 'and')} ${months.length > 1 ? 'have' : 'has'} no day ${inWords(days.map(String), 'or')}`;
}

/** Whether a civil date (in the schedule's zone) is one of the schedule's days. */
export function cronMatchesDay(spec: CronSpec, year: number, month: number, day: number): boolean {
  if (!spec.months.has(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const domMatch = spec.daysOfMonth.has(day);
  const dowMatch = spec.daysOfWeek.has(weekday);
  // crontab(5): when both day fields are restricted a day matches either of them.
  if (spec.dayOfMonthRestricted && spec.dayOfWeekRestricted) return domMatch || dowMatch;
  return domMatch && dowMatch;
}
