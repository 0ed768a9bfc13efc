import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ticksInPeriod } from '#shared/domain/insight/schedule-ticks.ts';
import { dueTicks } from '#shared/domain/schedule/due-ticks.ts';

const CRONS = ['0 2 * * *', '*/30 * * * *', '15 */6 * * 1-5', '0 3 1 * *', '0 0 * * 0', '45 1,13 * * *'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
const START = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

describe('ticksInPeriod', () => {
  it('lists exactly the ticks the scheduler fires in [from, to), daylight saving included', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CRONS),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 365 * DAY }),
        fc.integer({ min: 1, max: 40 * DAY }),
        (cron, timezone, offset, length) => {
          const from = START + offset;
          const to = from + length;
          const ticks = ticksInPeriod({ cron, timezone }, from, to);
          // The scheduler's window is (from, to]: shifted by one millisecond, the same instants.
          expect(ticks).toEqual(dueTicks({ cron, timezone, missedRuns: 'skip' }, from - 1, to - 1, false));
        },
      ),
      { numRuns: 30 },
    );
  });

  it.each([
    ['Europe/Berlin', '2026-03-28T12:00:00Z'],
    ['Europe/Berlin', '2026-10-24T12:00:00Z'],
    ['America/New_York', '2026-03-07T12:00:00Z'],
    ['America/New_York', '2026-10-31T12:00:00Z'],
    // Lord Howe shifts by half an hour, at 02:00 local.
    ['Australia/Lord_Howe', '2026-04-04T00:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T00:00:00Z'],
  ])(
    'agrees with the scheduler minute by minute across a daylight-saving change in %s (%s)',
    (timezone, start) => {
      const from = Date.parse(start);
      for (const cron of ['* * * * *', '*/7 1-3 * * *', '30 2 * * *', '0,59 0-3 * * *']) {
        const ticks = ticksInPeriod({ cron, timezone }, from, from + 2 * DAY);
        expect(ticks, cron).toEqual(
          dueTicks({ cron, timezone, missedRuns: 'skip' }, from - 1, from + 2 * DAY - 1, false),
        );
      }
    },
  );

  it('counts past the scheduler\u2019s catch-up cap: a minute-level schedule over 30 days', () => {
    expect(ticksInPeriod({ cron: '* * * * *', timezone: 'UTC' }, START, START + 30 * DAY)).toHaveLength(
      30 * 1440,
    );
  });

  it('is additive: two adjacent periods hold the ticks of their union', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CRONS),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.integer({ min: 0, max: 20 * DAY }),
        (cron, timezone, a, b) => {
          const schedule = { cron, timezone };
          const whole = ticksInPeriod(schedule, START, START + a + b);
          expect([
            ...ticksInPeriod(schedule, START, START + a),
            ...ticksInPeriod(schedule, START + a, START + a + b),
          ]).toEqual(whole);
        },
      ),
      { numRuns: 10 },
    );
  });
});
