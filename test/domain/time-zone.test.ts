import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wallClockAt, wallClockReader } from '#shared/domain/time-zone.ts';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Pacific/Chatham',
];

describe('the fast wall-clock reader', () => {
  it('agrees with Intl for every instant, across daylight-saving changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(
          fc.integer({ min: Date.parse('2019-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
          { minLength: 1, maxLength: 200 },
        ),
        (zone, times) => {
          const read = wallClockReader(zone);
          for (const time of times) expect(read(time)).toEqual(wallClockAt(zone, time));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agrees minute by minute around a transition', () => {
    const from = Date.parse('2026-10-25T00:00:00Z');
    const times = Array.from({ length: 240 }, (_, i) => from + i * 60_000);
    const read = wallClockReader('Europe/Berlin');
    for (const time of times) expect(read(time)).toEqual(wallClockAt('Europe/Berlin', time));
  });
});
