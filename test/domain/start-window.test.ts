import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startOffsetMs } from '#shared/domain/schedule/start-window.ts';

describe('a policy’s start window', () => {
  it('starts each tick at a fixed offset inside the window', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 4e12 }),
        fc.integer({ min: 1, max: 240 }),
        (id, tick, window) => {
          const offset = startOffsetMs(id, tick, window);
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThan(window * 60_000);
          expect(startOffsetMs(id, tick, window)).toBe(offset);
        },
      ),
    );
  });

  it('spreads policies of the same minute across the window', () => {
    const tick = Date.parse('2026-06-01T02:00:00Z');
    const minutes = new Set(
      Array.from({ length: 200 }, (_, i) => Math.floor(startOffsetMs(`pol_${i}`, tick, 30) / 60_000)),
    );
    expect(minutes.size).toBeGreaterThan(20);
  });
});
