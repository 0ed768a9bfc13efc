import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnHeights, placeParts } from '../../console/src/ui/bar-geometry.ts';

describe('stacked bar geometry', () => {
  it('places the non-empty parts in order, proportional to their values', () => {
    expect(
      placeParts([
        { key: 'covered', value: 6 },
        { key: 'excluded', value: 0 },
        { key: 'not-covered', value: 2 },
      ]),
    ).toEqual([
      { key: 'covered', value: 6, x: 0, width: 0.75 },
      { key: 'not-covered', value: 2, x: 0.75, width: 0.25 },
    ]);
    expect(placeParts([{ key: 'ok', value: 0 }])).toEqual([]);
  });

  it('tiles the bar: parts touch, never overlap, and fill it whole (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 8 }), (values) => {
        const placed = placeParts(values.map((value, index) => ({ key: `k${index}`, value })));
        if (values.every((value) => value === 0)) return placed.length === 0;
        let edge = 0;
        for (const part of placed) {
          expect(part.x).toBeCloseTo(edge, 9);
          expect(part.width).toBeGreaterThan(0);
          edge = part.x + part.width;
        }
        expect(edge).toBeCloseTo(1, 9);
        return placed.length === values.filter((value) => value > 0).length;
      }),
    );
  });

  it('scales columns to the largest total', () => {
    expect(columnHeights([0, 5, 10])).toEqual([0, 0.5, 1]);
    expect(columnHeights([0, 0])).toEqual([0, 0]);
  });
});
