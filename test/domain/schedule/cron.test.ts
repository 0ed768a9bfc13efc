import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { cronToScheduler } from '#shared/domain/schedule/cron-to-scheduler.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('cron translation to EventBridge Scheduler', () => {
  it.each([
    ['0 2 * * *', 'cron(0 2 * * ? *)'],
    ['*/15 * * * 1-5', 'cron(0/15 * ? * 2-6 *)'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)'],
    ['5 4 * * sun', 'cron(5 4 ? * 1 *)'],
    ['0 3 * * 0,7', 'cron(0 3 ? * 1 *)'],
    ['0 */6 * * 5-7', 'cron(0 0/6 ? * 1,6-7 *)'],
    ['30 1 1,15 jan-mar *', 'cron(30 1 1,15 1-3 ? *)'],
    ['0 9-17/2 * * MON-FRI', 'cron(0 9,11,13,15,17 ? * 2-6 *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
  ])('translates %s to %s', (cron, expected) => {
    expect(cronToScheduler(parseCron(cron))).toBe(expected);
  });

  it('rejects a schedule restricting both day fields, naming the rule', () => {
    const issues = issuesOf(() => cronToScheduler(parseCron('0 0 1 * 1'), 'schedule.cron'));
    expect(issues).toEqual([
      expect.objectContaining({ path: 'schedule.cron', rule: 'cron.both-day-fields' }),
    ]);
    expect(issues[0]?.message).toMatch(/day-of-month OR day-of-week/);
  });

  it.each([
    ['0 2 * *', 'cron.field-count', /5 fields/],
    ['61 * * * *', 'cron.syntax', /minute field: 61 is outside 0-59/],
    ['0 24 * * *', 'cron.syntax', /hour field: 24 is outside 0-23/],
    ['0 0 0 * *', 'cron.syntax', /day-of-month field/],
    ['0 0 * 13 *', 'cron.syntax', /month field/],
    ['0 0 * * 8', 'cron.syntax', /day-of-week field/],
    ['0 0 * * funday', 'cron.syntax', /not a number or a name/],
    ['5-1 * * * *', 'cron.syntax', /runs backwards/],
    ['*/0 * * * *', 'cron.syntax', /step/],
    ['@reboot', 'cron.field-count', /5 fields/],
    ['0-59/61 * * * *', 'cron.syntax', /minute field: step 61 in '0-59\/61' is larger than its range 0-59/],
    ['*/60 * * * *', 'cron.syntax', /step 60 .* only ever gives 0/],
    ['0 */24 * * *', 'cron.syntax', /hour field: step 24/],
    ['30/45 * * * *', 'cron.syntax', /larger than its range 30-59/],
    ['0 0 31 2 *', 'cron.never-fires', /^never fires: February has no day 31$/],
    ['0 0 30,31 feb *', 'cron.never-fires', /^never fires: February has no day 30 or 31$/],
    [
      '0 0 31 4,6,9,11 *',
      'cron.never-fires',
      /^never fires: April, June, September and November have no day 31$/,
    ],
  ])('rejects %s with %s', (cron, rule, message) => {
    const issues = issuesOf(() => parseCron(cron));
    expect(issues[0]?.rule).toBe(rule);
    expect(issues[0]?.message).toMatch(message);
  });
});

describe('crons that fire rarely but do fire', () => {
  it.each([
    ['*/59 * * * *'],
    ['0-59/59 * * * *'],
    ['0 0 29 2 *'],
    ['0 0 31 1-2 *'],
    ['0 0 31 2 mon'],
    ['0 0 * 2 sun/7'],
  ])('accepts %s', (cron) => {
    expect(() => parseCron(cron)).not.toThrow();
  });
});

describe('next runs', () => {
  it('skips a wall time that does not exist on the spring-forward day (Europe/Berlin)', () => {
    const runs = nextRuns(parseCron('30 2 * * *'), 'Europe/Berlin', Date.parse('2026-03-27T00:00:00Z'), 4);
    expect(runs.map(iso)).toEqual([
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('runs a repeated wall time once on the fall-back day (Europe/Berlin)', () => {
    const runs = nextRuns(parseCron('*/30 2 * * *'), 'Europe/Berlin', Date.parse('2026-10-24T00:00:00Z'), 4);
    expect(runs.map(iso)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:00:00.000Z',
    ]);
  });

  it('keeps the local hour across a US daylight-saving change', () => {
    const runs = nextRuns(parseCron('0 9 * * *'), 'America/New_York', Date.parse('2026-03-07T00:00:00Z'), 3);
    expect(runs.map(iso)).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('finds a leap day years ahead', () => {
    const runs = nextRuns(parseCron('0 0 29 2 *'), 'UTC', Date.parse('2026-01-01T00:00:00Z'), 2);
    expect(runs.map(iso)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('returns only instants strictly after the start', () => {
    const start = Date.parse('2026-05-01T02:00:00Z');
    const [first] = nextRuns(parseCron('0 2 * * *'), 'UTC', start, 1);
    expect(first).toBe(Date.parse('2026-05-02T02:00:00Z'));
  });
});

// ---- independent evaluators for the property tests ----

const fieldValue = (min: number, max: number) => fc.integer({ min, max });
const fieldText = (min: number, max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant('*') },
    fieldValue(min, max).map(String),
    fc
      .tuple(fieldValue(min, max), fieldValue(min, max))
      .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 2, max: Math.max(2, Math.floor((max - min) / 2)) }).map((step) => `*/${step}`),
    fc.uniqueArray(fieldValue(min, max), { minLength: 2, maxLength: 4 }).map((values) => values.join(',')),
  );

/** Cron expressions with at most one restricted day field (what Scheduler can express). */
const schedulableCron = fc
  .tuple(
    fieldText(0, 59),
    fieldText(0, 23),
    fieldText(1, 28),
    fieldText(1, 12),
    fieldText(0, 6),
    fc.boolean(),
  )
  .map(([minute, hour, dom, month, dow, useDom]) =>
    useDom ? `${minute} ${hour} ${dom} ${month} *` : `${minute} ${hour} * ${month} ${dow}`,
  );

/** Parses one field of Scheduler's cron() syntax: `*`, `?`, `a/step`, and lists of values or ranges. */
function schedulerField(text: string, min: number, max: number): (value: number) => boolean {
  if (text === '*' || text === '?') return () => true;
  const slash = /^(\d+)\/(\d+)$/.exec(text);
  if (slash) {
    const start = Number(slash[1]);
    const step = Number(slash[2]);
    return (value) => value >= start && value <= max && (value - start) % step === 0;
  }
  const ranges = text.split(',').map((part) => {
    const [low, high = low] = part.split('-').map(Number);
    return [low as number, high as number] as const;
  });
  return (value) => value >= min && ranges.some(([low, high]) => value >= low && value <= high);
}

/**
 * Brute force: walks every minute of a window and fires where the zone's wall clock matches
 * the Scheduler expression, once per wall time (Scheduler's fall-back rule; gaps never show).
 */
function bruteForceScheduler(
  expression: string,
  timeZone: string,
  fromMs: number,
  minutes: number,
): number[] {
  const fields = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) \*\)$/.exec(expression);
  if (!fields) throw new Error(`not a Scheduler cron: ${expression}`);
  const minute = schedulerField(fields[1] as string, 0, 59);
  const hour = schedulerField(fields[2] as string, 0, 23);
  const dom = schedulerField(fields[3] as string, 1, 31);
  const month = schedulerField(fields[4] as string, 1, 12);
  const dow = schedulerField(fields[5] as string, 1, 7);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  });
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const seen = new Set<string>();
  const fired: number[] = [];
  for (let index = 1; index <= minutes; index++) {
    const at = fromMs + index * 60_000;
    const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
    const wall = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
    if (seen.has(wall)) continue;
    seen.add(wall);
    const matches =
      minute(Number(parts.minute)) &&
      hour(Number(parts.hour)) &&
      dom(Number(parts.day)) &&
      month(Number(parts.month)) &&
      dow(weekdays.indexOf(parts.weekday as string) + 1);
    if (matches) fired.push(at);
  }
  return fired;
}

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Sao_Paulo',
];
/** Window starts just before daylight-saving changes of the zones above, and one quiet day. */
const WINDOW_STARTS = [
  '2026-03-28T12:00:00Z',
  '2026-10-24T12:00:00Z',
  '2026-03-07T12:00:00Z',
  '2026-10-31T12:00:00Z',
  '2026-04-04T06:00:00Z',
  '2026-10-03T06:00:00Z',
  '2026-06-15T00:00:00Z',
].map(Date.parse);

/** Any cron of values, ranges, valid steps and lists, day-of-month up to 31 in any months. */
const anyCron = fc
  .tuple(
    fieldText(0, 59),
    fieldText(0, 23),
    fc.oneof(fieldText(1, 31), fieldText(28, 31)),
    fc.oneof(fieldText(1, 12), fc.uniqueArray(fc.constantFrom(2, 4, 6, 9, 11), { minLength: 1 }).map(String)),
    fieldText(0, 6),
    fc.boolean(),
  )
  .map(([minute, hour, dom, month, dow, useDom]) =>
    useDom ? `${minute} ${hour} ${dom} ${month} *` : `${minute} ${hour} * ${month} ${dow}`,
  );

const EIGHT_YEARS_MS = (366 * 8 + 1) * 86_400_000;

describe('properties', () => {
  it('accepts a cron exactly when it fires, and then within eight years (croner agrees)', () => {
    const from = Date.parse('2024-03-01T00:00:00Z');
    fc.assert(
      fc.property(anyCron, fc.constantFrom(...ZONES), (cron, zone) => {
        // croner searches decades ahead and finds nothing for a cron that never fires.
        const fires = new Cron(cron, { timezone: 'UTC' }).nextRuns(1, new Date(from)).length > 0;
        let spec: ReturnType<typeof parseCron> | undefined;
        try {
          spec = parseCron(cron);
        } catch (error) {
          expect((error as ValidationError).issues?.[0]?.rule).toBe('cron.never-fires');
        }
        expect(spec !== undefined).toBe(fires);
        if (!spec) return;
        const [next] = nextRuns(spec, zone, from, 1);
        expect(next).toBeDefined();
        expect((next as number) - from).toBeLessThanOrEqual(EIGHT_YEARS_MS);
      }),
      { numRuns: 150 },
    );
  });

  it('fires exactly when the translated Scheduler expression fires, across DST changes', () => {
    const windowMinutes = 3 * 24 * 60;
    fc.assert(
      fc.property(
        schedulableCron,
        fc.constantFrom(...ZONES),
        fc.constantFrom(...WINDOW_STARTS),
        (cron, zone, from) => {
          const spec = parseCron(cron);
          const expected = bruteForceScheduler(cronToScheduler(spec), zone, from, windowMinutes);
          const actual = nextRuns(spec, zone, from, expected.length + 1).filter(
            (at) => at <= from + windowMinutes * 60_000,
          );
          expect(actual.map(iso)).toEqual(expected.map(iso));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agrees with croner in UTC, where daylight saving cannot differ', () => {
    fc.assert(
      fc.property(
        schedulableCron,
        fc.integer({ min: 1_767_225_600_000, max: 1_893_456_000_000 }),
        (cron, from) => {
          const ours = nextRuns(parseCron(cron), 'UTC', from, 5);
          const theirs = new Cron(cron, { timezone: 'UTC' })
            .nextRuns(5, new Date(from))
            .map((d) => d.getTime());
          expect(ours.map(iso)).toEqual(theirs.map(iso));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns strictly increasing instants', () => {
    fc.assert(
      fc.property(
        schedulableCron,
        fc.constantFrom(...ZONES),
        fc.constantFrom(...WINDOW_STARTS),
        (cron, zone, from) => {
          const runs = nextRuns(parseCron(cron), zone, from, 20);
          for (let index = 1; index < runs.length; index++) {
            expect(runs[index]).toBeGreaterThan(runs[index - 1] as number);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
