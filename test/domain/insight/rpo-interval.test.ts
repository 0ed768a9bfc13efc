import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedIntervalMs, INTERVAL_HORIZON_DAYS } from '#shared/domain/insight/rpo-interval.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';

const FROM = Date.parse('2026-06-01T10:17:00Z');
const minutes = (n: number) => n * 60_000;

/** The largest gap between consecutive ticks, walking every tick (UTC: the wall clock is real time). */
function bruteForce(cron: string, fromMs: number): number {
  const spec = parseCron(cron);
  const ticks = nextRuns(spec, 'UTC', fromMs - 1, 20_000).filter(
    (tick) => tick < Date.UTC(2026, 5, 1) + INTERVAL_HORIZON_DAYS * 86_400_000,
  );
  let largest = 0;
  for (let index = 1; index < ticks.length; index++)
    largest = Math.max(largest, (ticks[index] as number) - (ticks[index - 1] as number));
  return largest;
}

describe('expected interval of a schedule', () => {
  it('reads the largest gap: daily, hourly, weekdays, monthly, yearly', () => {
    expect(expectedIntervalMs('0 2 * * *', 'Europe/Berlin', FROM)).toBe(minutes(1440));
    expect(expectedIntervalMs('0 * * * *', 'UTC', FROM)).toBe(minutes(60));
    expect(expectedIntervalMs('*/15 * * * *', 'UTC', FROM)).toBe(minutes(15));
    expect(expectedIntervalMs('* * * * *', 'UTC', FROM)).toBe(minutes(1));
    // Friday 22:00 to Monday 22:00.
    expect(expectedIntervalMs('0 22 * * 1-5', 'UTC', FROM)).toBe(minutes(3 * 1440));
    // Uneven hours: 02:00 and 14:00 and 20:00: the night gap (20:00 to 02:00) is 6 h, the day 12 h.
    expect(expectedIntervalMs('0 2,14,20 * * *', 'UTC', FROM)).toBe(minutes(12 * 60));
    // The 1st of each month: the longest month, 31 days.
    expect(expectedIntervalMs('0 0 1 * *', 'UTC', FROM)).toBe(minutes(31 * 1440));
    expect(expectedIntervalMs('0 0 1 1 *', 'UTC', FROM)).toBe(minutes(365 * 1440));
  });

  it('equals the largest gap between real ticks (property, against every tick over the horizon)', () => {
    const field = (max: number, size: number) =>
      fc
        .uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: size })
        .map((values) => values.join(','));
    const cronArb = fc
      .record({
        minutes: field(59, 3),
        hours: field(23, 3),
        days: fc.oneof(
          fc.constant('*'),
          field(27, 2).map((days) => days.replace(/\d+/g, (d) => String(Number(d) + 1))),
        ),
        weekdays: fc.oneof(fc.constant('*'), field(6, 3)),
      })
      // Day-of-month or day-of-week, as policies are.
      .map(
        ({ minutes: m, hours, days, weekdays }) => `${m} ${hours} ${days} * ${days === '*' ? weekdays : '*'}`,
      );
    fc.assert(
      fc.property(cronArb, fc.integer({ min: 0, max: 1439 }), (cron, startMinute) => {
        const from = Date.UTC(2026, 5, 1) + minutes(startMinute);
        expect(expectedIntervalMs(cron, 'UTC', from)).toBe(bruteForce(cron, Date.UTC(2026, 5, 1)));
      }),
      { numRuns: 20 },
    );
  });

  it('is never shorter than any gap between ticks, in any zone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('0 2 * * *', '30 1 * * 0', '*/20 8-17 * * 1-5', '0 0 15 * *'),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'),
        (cron, zone) => {
          const interval = expectedIntervalMs(cron, zone, FROM);
          const ticks = nextRuns(parseCron(cron), zone, FROM, 200);
          for (let index = 1; index < ticks.length; index++) {
            // A daylight-saving change may stretch one gap by an hour.
            expect((ticks[index] as number) - (ticks[index - 1] as number)).toBeLessThanOrEqual(
              interval + minutes(60),
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
