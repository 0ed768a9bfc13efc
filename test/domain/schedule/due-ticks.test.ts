import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueTicks } from '#shared/domain/schedule/due-ticks.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('due ticks', () => {
  const hourly = { cron: '0 * * * *', timezone: 'UTC', missedRuns: 'skip' as const };

  it('fires every tick in the window while running, and none outside it', () => {
    expect(dueTicks(hourly, at('2026-01-01T00:00:00Z'), at('2026-01-01T02:30:00Z'), false).map(iso)).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
    ]);
    expect(dueTicks(hourly, at('2026-01-01T01:00:00Z'), at('2026-01-01T01:59:59Z'), false)).toEqual([]);
  });

  it('skips the ticks missed during downtime, or runs only the latest once', () => {
    const from = at('2026-01-01T00:00:00Z');
    const to = at('2026-01-01T05:30:00Z');
    expect(dueTicks(hourly, from, to, true)).toEqual([]);
    expect(dueTicks({ ...hourly, missedRuns: 'run-once' }, from, to, true).map(iso)).toEqual([
      '2026-01-01T05:00:00.000Z',
    ]);
  });

  it('lists long windows completely, in order, inside the window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * 24 * 60 }), (minutes) => {
        const from = at('2026-03-28T00:00:00Z');
        const ticks = dueTicks(
          { cron: '*/7 * * * *', timezone: 'Europe/Berlin', missedRuns: 'skip' },
          from,
          from + minutes * 60_000,
          false,
        );
        for (let index = 1; index < ticks.length; index++)
          expect(ticks[index]).toBeGreaterThan(ticks[index - 1] as number);
        for (const tick of ticks) expect(tick > from && tick <= from + minutes * 60_000).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
