import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapWithLimit } from '#shared/services/map-with-limit.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('mapWithLimit', () => {
  it('answers as Promise.all would, never running more than the limit at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 60 }),
        async (items, limit, delays) => {
          let running = 0;
          let most = 0;
          const results = await mapWithLimit(items, limit, async (item, index) => {
            running++;
            most = Math.max(most, running);
            // Every call waits at least once, so the calls of one round are all in flight together.
            for (let i = 0; i <= (delays[index % delays.length] ?? 0); i++) await tick();
            running--;
            return item * 2 + index;
          });
          expect(results).toEqual(items.map((item, index) => item * 2 + index));
          expect(most).toBeLessThanOrEqual(limit);
          if (items.length >= limit) expect(most).toBe(limit);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects with the first failure and starts no further call after it', async () => {
    const started: number[] = [];
    const failing = mapWithLimit([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item);
      await tick();
      if (item === 1) throw new Error('guest 1 unreadable');
      return item;
    });
    await expect(failing).rejects.toThrow('guest 1 unreadable');
    await tick();
    expect(started).toEqual([0, 1, 2]);
  });

  it('refuses a limit that would run nothing', async () => {
    await expect(mapWithLimit([1], 0, async (item) => item)).rejects.toThrow(RangeError);
  });
});
