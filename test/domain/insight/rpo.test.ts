import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graceMs, rpoStatus } from '#shared/domain/insight/rpo.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('RPO state', () => {
  it('is ok within the interval and grace, late after, missed after two intervals, never without a point', () => {
    const day = 24 * HOUR; // grace 6 h
    const at = (hoursAgo: number) =>
      rpoStatus({ newestMs: NOW - hoursAgo * HOUR, expectedSinceMs: 0, intervalMs: day, nowMs: NOW });
    expect(at(10).state).toBe('ok');
    expect(at(30).state).toBe('ok');
    expect(at(31)).toMatchObject({ state: 'late', breached: true, breachedSinceMs: NOW - HOUR });
    expect(at(54).state).toBe('late');
    expect(at(55).state).toBe('missed');
    expect(
      rpoStatus({ newestMs: undefined, expectedSinceMs: NOW - HOUR, intervalMs: day, nowMs: NOW }),
    ).toEqual({
      state: 'never',
      intervalMs: day,
      breached: false,
    });
    expect(
      rpoStatus({ newestMs: undefined, expectedSinceMs: NOW - 31 * HOUR, intervalMs: day, nowMs: NOW }),
    ).toMatchObject({ state: 'never', breached: true, breachedSinceMs: NOW - HOUR });
  });

  it('names the same episode on every check while it lasts, and breaches only past interval plus grace (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }).map((minutes) => minutes * 60_000),
        fc.integer({ min: 0, max: 10 ** 10 }),
        fc.integer({ min: 0, max: 10 ** 9 }),
        (intervalMs, ageMs, laterMs) => {
          const newestMs = NOW - ageMs;
          const first = rpoStatus({ newestMs, expectedSinceMs: 0, intervalMs, nowMs: NOW });
          const second = rpoStatus({ newestMs, expectedSinceMs: 0, intervalMs, nowMs: NOW + laterMs });
          expect(first.breached).toBe(ageMs > intervalMs + graceMs(intervalMs));
          if (first.breached) {
            expect(second.breached).toBe(true);
            expect(second.breachedSinceMs).toBe(first.breachedSinceMs);
          }
          const order = ['ok', 'late', 'missed'];
          expect(order.indexOf(second.state)).toBeGreaterThanOrEqual(order.indexOf(first.state));
        },
      ),
    );
  });
});
