import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';

describe('the per-connection message rate limit', () => {
  it('lets a burst through, then the sustained rate, and keeps connections apart', () => {
    let now = 0;
    const limiter = new MessageRateLimiter({ perSecond: 10, burst: 5 }, () => now);
    const burst = Array.from({ length: 7 }, () => limiter.take('a'));
    expect(burst).toEqual(['within', 'within', 'within', 'within', 'within', 'over', 'still-over']);
    expect(limiter.take('b')).toBe('within');
    // Once over, a connection stays over (it is being closed), however long it waits.
    now += 10_000;
    expect(limiter.take('a')).toBe('still-over');
    for (let index = 0; index < 5; index++) limiter.take('c');
    now += 100; // one token back at 10 per second
    expect([limiter.take('c'), limiter.take('c')]).toEqual(['within', 'over']);
    for (let index = 0; index < 3; index++) limiter.take('d');
    now += 10_000; // never more than the burst, however long it waited
    expect(Array.from({ length: 6 }, () => limiter.take('d')).filter((d) => d === 'within')).toHaveLength(5);
  });

  it('never allows more than burst + rate × time, whatever the timing of the messages', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, gaps) => {
          let now = 0;
          const limiter = new MessageRateLimiter({ perSecond, burst }, () => now);
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take('agent') === 'within') allowed++;
          }
          expect(allowed).toBeLessThanOrEqual(burst + Math.floor((now / 1000) * perSecond) + 1e-9);
        },
      ),
    );
  });

  it('forgets the least recently seen connections beyond its capacity', () => {
    const now = 0;
    const limiter = new MessageRateLimiter({ perSecond: 1, burst: 1 }, () => now, 2);
    expect(limiter.take('a')).toBe('within');
    expect(limiter.take('a')).toBe('over');
    limiter.take('b');
    limiter.take('c');
    // 'a' was dropped: it starts with a full bucket again (memory stays bounded).
    expect(limiter.take('a')).toBe('within');
  });
});
