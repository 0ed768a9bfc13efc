import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '#shared/domain/bounded-cache.ts';

describe('the bounded cache', () => {
  it('drops the least recently used entry when it is full', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('never holds more than its capacity, and keeps the latest entries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 50 })),
        (capacity, keys) => {
          const cache = new BoundedCache<number, number>(capacity);
          for (const key of keys) cache.set(key, key * 2);
          expect(cache.size).toBeLessThanOrEqual(capacity);
          const latest = [...new Set([...keys].reverse())].slice(0, capacity);
          for (const key of latest) expect(cache.get(key)).toBe(key * 2);
        },
      ),
    );
  });

  it('refuses a capacity below one', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });
});
