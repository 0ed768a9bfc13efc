import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PlannedWrite, predictStorageGuard } from '#shared/domain/storage/predict-guard.ts';

const GIB = 1024 ** 3;
const write = (guestId: string, estimate: number, prunable: PlannedWrite['prunable'] = []): PlannedWrite => ({
  guestId,
  storage: 'backup-nfs',
  place: 'backup-nfs@*',
  estimate,
  prunable,
});
const storage = (used: number, total = 100 * GIB) =>
  new Map([['backup-nfs@*', { total, used, active: true }]]);

describe('predictStorageGuard', () => {
  it('lets writes fit until the threshold, counting what the run wrote before, then skips', () => {
    const predictions = predictStorageGuard(
      [write('a', 10 * GIB), write('b', 10 * GIB), write('c', 10 * GIB)],
      storage(60 * GIB),
      () => 85,
      false,
    );
    expect(predictions.map((p) => p.outcome)).toEqual(['fits', 'fits', 'skipped']);
    expect(predictions[2]).toMatchObject({ projected: 90 * GIB, limit: Math.floor(85 * GIB) });
  });

  it('with pruneBeforeBackup deletes the oldest prunable archives until the write fits, and only as many', () => {
    const [prediction] = predictStorageGuard(
      [
        write('a', 10 * GIB, [
          { name: 'old-1', size: 8 * GIB },
          { name: 'old-2', size: 8 * GIB },
          { name: 'old-3', size: 8 * GIB },
        ]),
      ],
      storage(80 * GIB),
      () => 85,
      true,
    );
    // 80 + 10 = 90 GiB passes 85 by 5: the first archive (8 GiB) covers it.
    expect(prediction).toMatchObject({ outcome: 'pruned-first', pruned: ['old-1'], projected: 82 * GIB });
  });

  it('says a guest is skipped when even its prunable archives leave too little room', () => {
    const [prediction] = predictStorageGuard(
      [write('a', 30 * GIB, [{ name: 'old-1', size: 2 * GIB }])],
      storage(80 * GIB),
      () => 85,
      true,
    );
    expect(prediction).toMatchObject({ outcome: 'skipped', pruned: ['old-1'] });
  });

  it('judges nothing without a threshold, on an unknown storage or an inactive one', () => {
    expect(predictStorageGuard([write('a', 10 * GIB)], storage(99 * GIB), () => undefined, true)).toEqual([]);
    expect(predictStorageGuard([write('a', 10 * GIB)], new Map(), () => 85, true)).toEqual([]);
    expect(
      predictStorageGuard(
        [write('a', 10 * GIB)],
        new Map([['backup-nfs@*', { total: GIB, used: GIB, active: false }]]),
        () => 85,
        true,
      ),
    ).toEqual([]);
  });

  it('never lets the writes it admits pass the threshold, and prunes nothing unless asked to', () => {
    const archive = fc.record({
      name: fc.string({ minLength: 1, maxLength: 6 }),
      size: fc.integer({ min: 1, max: 20 * GIB }),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            estimate: fc.integer({ min: 0, max: 30 * GIB }),
            prunable: fc.uniqueArray(archive, { selector: (a) => a.name, maxLength: 3 }),
          }),
          { maxLength: 20 },
        ),
        fc.integer({ min: 0, max: 100 * GIB }),
        fc.integer({ min: 1, max: 100 }),
        fc.boolean(),
        (planned, used, threshold, pruneFirst) => {
          const writes = planned.map((p, index) => write(`g${index}`, p.estimate, p.prunable));
          const predictions = predictStorageGuard(writes, storage(used), () => threshold, pruneFirst);
          expect(predictions).toHaveLength(writes.length);
          let fill = used;
          for (const [index, prediction] of predictions.entries()) {
            const freed = (writes[index]?.prunable ?? [])
              .filter((a) => prediction.pruned.includes(a.name))
              .reduce((sum, a) => sum + a.size, 0);
            if (!pruneFirst) expect(prediction.pruned).toEqual([]);
            fill = Math.max(0, fill - freed);
            if (prediction.outcome !== 'skipped') {
              fill += writes[index]?.estimate ?? 0;
              expect(fill * 100).toBeLessThanOrEqual(100 * GIB * threshold);
            }
          }
        },
      ),
    );
  });
});
