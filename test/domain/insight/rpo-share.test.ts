import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rpoShare } from '#shared/domain/insight/rpo-share.ts';

const HOUR = 3_600_000;

describe('rpoShare', () => {
  it('measures the part of the period a point within the interval existed', () => {
    // Points at 0 h and 10 h with a 6 h interval over 24 h: covered 0-6 and 10-16, 12 of 24 hours.
    expect(rpoShare([0, 10 * HOUR], 0, 24 * HOUR, 6 * HOUR)).toBe(0.5);
    // A point before the period covers its start.
    expect(rpoShare([-2 * HOUR], 0, 8 * HOUR, 4 * HOUR)).toBe(0.25);
    expect(rpoShare([], 0, 8 * HOUR, 4 * HOUR)).toBe(0);
    // Overlapping points are not counted twice.
    expect(rpoShare([0, HOUR, 2 * HOUR], 0, 4 * HOUR, 2 * HOUR)).toBe(1);
  });

  const points = fc.array(
    fc.integer({ min: -48, max: 96 }).map((h) => h * HOUR),
    { maxLength: 30 },
  );
  const interval = fc.integer({ min: 1, max: 48 }).map((h) => h * HOUR);

  it('lies in [0, 1], never falls when a point is added or the interval grows', () => {
    fc.assert(
      fc.property(points, fc.integer({ min: -48, max: 96 }), interval, (times, extra, ms) => {
        const share = rpoShare(times, 0, 72 * HOUR, ms);
        expect(share).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(1);
        expect(rpoShare([...times, extra * HOUR], 0, 72 * HOUR, ms)).toBeGreaterThanOrEqual(share);
        expect(rpoShare(times, 0, 72 * HOUR, ms + HOUR)).toBeGreaterThanOrEqual(share);
      }),
    );
  });

  it('equals an hour-by-hour count when points and interval fall on whole hours', () => {
    fc.assert(
      fc.property(points, interval, (times, ms) => {
        let met = 0;
        for (let hour = 0; hour < 72; hour++) {
          const t = hour * HOUR;
          if (times.some((point) => point <= t && t < point + ms)) met++;
        }
        expect(rpoShare(times, 0, 72 * HOUR, ms)).toBeCloseTo(met / 72, 10);
      }),
    );
  });
});
