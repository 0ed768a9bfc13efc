import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trendShape, usedShare } from '../../console/src/ui/trend-geometry.ts';

const coordinates = (points: string) =>
  points
    .split(' ')
    .filter(Boolean)
    .map((pair) => pair.split(',').map(Number) as [number, number]);

describe('the storage trend chart', () => {
  it('draws used and capacity from the oldest day at the left to the newest at the right, scaled to the largest', () => {
    const shape = trendShape(
      [
        { day: '2026-11-01', used: 25, total: 100 },
        { day: '2026-11-02', used: 50, total: 100 },
        { day: '2026-11-03', used: 100, total: 100 },
      ],
      30,
    );
    expect(coordinates(shape.used)).toEqual([
      [0, 22.5],
      [50, 15],
      [100, 0],
    ]);
    expect(coordinates(shape.total)).toEqual([
      [0, 0],
      [50, 0],
      [100, 0],
    ]);
  });

  it('draws one day across the whole width, and nothing without days', () => {
    expect(coordinates(trendShape([{ day: 'd', used: 1, total: 2 }], 10).used)).toEqual([
      [0, 5],
      [100, 5],
    ]);
    expect(trendShape([], 10)).toEqual({ used: '', total: '' });
  });

  it('keeps every point inside the box and in order of days (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ used: fc.nat(1e12), total: fc.nat(1e12) }).map((point) => ({ ...point, day: 'd' })),
          { minLength: 2, maxLength: 90 },
        ),
        (points) => {
          for (const line of Object.values(trendShape(points, 40))) {
            const xy = coordinates(line);
            expect(xy).toHaveLength(points.length);
            for (const [index, [x, y]] of xy.entries()) {
              expect(y).toBeGreaterThanOrEqual(0);
              expect(y).toBeLessThanOrEqual(40);
              if (index > 0) expect(x).toBeGreaterThan(xy[index - 1]?.[0] ?? -1);
            }
          }
        },
      ),
    );
  });

  it('gives the used share of a capacity, 0 for an inactive storage and at most all of it', () => {
    expect(usedShare(44, 64)).toBeCloseTo(0.6875);
    expect(usedShare(0, 0)).toBe(0);
    expect(usedShare(70, 64)).toBe(1);
  });
});
