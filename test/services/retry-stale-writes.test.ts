import { describe, expect, it } from 'vitest';
import { statusOf } from '#shared/api/problem.ts';
import { NotFoundError, PreconditionFailedError, StaleWriteError } from '#shared/domain/errors.ts';
import { retryStaleWrites } from '#shared/services/retry-stale-writes.ts';

function recorder() {
  const pauses: number[] = [];
  return { pauses, sleep: async (ms: number) => void pauses.push(ms) };
}

describe('retrying stale writes', () => {
  it('runs the change again after a stale write, with growing jittered pauses, until it goes through', async () => {
    const { pauses, sleep } = recorder();
    let calls = 0;
    const result = await retryStaleWrites(
      async () => {
        calls++;
        if (calls < 4) throw new StaleWriteError('moved on');
        return 'done';
      },
      { sleep, baseDelayMs: 20, random: () => 0.5 },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(pauses).toEqual([15, 30, 60]);
  });

  it('keeps every pause in the upper half of its doubling ceiling', async () => {
    for (const random of [() => 0, () => 0.999]) {
      const { pauses, sleep } = recorder();
      await expect(
        retryStaleWrites(
          async () => {
            throw new StaleWriteError('moved on');
          },
          { sleep, attempts: 4, baseDelayMs: 100, random },
        ),
      ).rejects.toBeInstanceOf(StaleWriteError);
      expect(pauses).toHaveLength(3);
      pauses.forEach((pause, index) => {
        const ceiling = 100 * 2 ** index;
        expect(pause).toBeGreaterThanOrEqual(ceiling / 2);
        expect(pause).toBeLessThanOrEqual(ceiling);
      });
    }
  });

  it('gives up after the last attempt with the 412 the store raised', async () => {
    const { sleep } = recorder();
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new StaleWriteError('moved on');
    };
    const error = await retryStaleWrites(attempt, { sleep, attempts: 3 }).catch((caught: unknown) => caught);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(StaleWriteError);
    expect(statusOf(error as StaleWriteError)).toBe(412);
  });

  it('does not retry a failed If-Match or any other error', async () => {
    for (const failure of [
      new PreconditionFailedError('If-Match is stale'),
      new NotFoundError('policy', 'x'),
    ]) {
      const { pauses, sleep } = recorder();
      let calls = 0;
      await expect(
        retryStaleWrites(
          async () => {
            calls++;
            throw failure;
          },
          { sleep },
        ),
      ).rejects.toBe(failure);
      expect(calls).toBe(1);
      expect(pauses).toEqual([]);
    }
  });
});
