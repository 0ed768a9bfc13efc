import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideStorageGuard, type GuardInput, guardThreshold } from '#shared/domain/storage/storage-guard.ts';

const GIB = 1024 ** 3;

/** Storages from a few GiB to a few PiB, with what a run may have reserved and may write. */
const inputs = fc
  .record({
    total: fc.integer({ min: 1, max: 4 * 1024 ** 5 }),
    usedShare: fc.double({ min: 0, max: 1.2, noNaN: true }),
    baselineShare: fc.double({ min: 0, max: 1, noNaN: true }),
    reservedShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
    estimateShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
    thresholdPercent: fc.integer({ min: 1, max: 100 }),
  })
  .map(
    (r): GuardInput => ({
      thresholdPercent: r.thresholdPercent,
      storage: { total: r.total, used: Math.floor(r.total * r.usedShare), active: true },
      baseline: Math.floor(r.total * r.baselineShare),
      reserved: Math.floor(r.total * r.reservedShare),
      estimate: Math.floor(r.total * r.estimateShare),
    }),
  );

/** The rule written plainly, in exact integers: what the storage would hold after the write, against the threshold. */
function model(input: GuardInput): boolean {
  const fill = BigInt(Math.max(input.storage.used, input.baseline + input.reserved) + input.estimate);
  return fill * 100n <= BigInt(input.storage.total) * BigInt(input.thresholdPercent);
}

describe('the storage guard', () => {
  it('lets a guest write only when the storage stays at or below its threshold after the write', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        expect(decideStorageGuard(input).allowed).toBe(model(input));
      }),
    );
  });

  it('trips before the threshold is passed: an allowed write never ends above it, a reserved run only ever adds', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 1024 ** 4 }), (input, more) => {
        const decision = decideStorageGuard(input);
        if (decision.allowed && decision.projected !== undefined && decision.limit !== undefined)
          expect(decision.projected).toBeLessThanOrEqual(
            (input.storage.total * input.thresholdPercent) / 100 + 1,
          );
        // More reserved by the run, or a larger write, never turns a skip into a write.
        if (!decision.allowed) {
          expect(decideStorageGuard({ ...input, reserved: input.reserved + more }).allowed).toBe(false);
          expect(decideStorageGuard({ ...input, estimate: input.estimate + more }).allowed).toBe(false);
        }
      }),
    );
  });

  it('counts writes still in flight once: the larger of Proxmox\u2019s figure and the run\u2019s own count, never the sum', () => {
    const storage = { total: 100 * GIB, used: 60 * GIB, active: true };
    // 10 GiB written by the run is already in Proxmox's 60 GiB: 60 + 10 is not counted twice.
    expect(
      decideStorageGuard({
        thresholdPercent: 80,
        storage,
        baseline: 50 * GIB,
        reserved: 10 * GIB,
        estimate: 20 * GIB,
      }).allowed,
    ).toBe(true);
    // 25 GiB reserved but not yet visible in Proxmox's figure: 50 + 25 + 10 = 85 GiB > 80 GiB.
    expect(
      decideStorageGuard({
        thresholdPercent: 80,
        storage,
        baseline: 50 * GIB,
        reserved: 25 * GIB,
        estimate: 10 * GIB,
      }),
    ).toEqual({ allowed: false, projected: 85 * GIB, limit: 80 * GIB });
  });

  it('leaves an inactive storage, or one without figures, to Proxmox', () => {
    const base = { thresholdPercent: 10, baseline: 0, reserved: 0, estimate: GIB };
    expect(decideStorageGuard({ ...base, storage: { total: 0, used: 0, active: false } }).allowed).toBe(true);
    expect(decideStorageGuard({ ...base, storage: { total: 0, used: 0, active: true } }).allowed).toBe(true);
  });

  it('takes the policy\u2019s threshold for the storage, then the policy\u2019s, then the tenant\u2019s', () => {
    const policy = { thresholdPercent: 85, storages: { 'backup-small': 70 } };
    expect(guardThreshold(policy, 90, 'backup-small')).toBe(70);
    expect(guardThreshold(policy, 90, 'backup-nfs')).toBe(85);
    expect(guardThreshold({}, 90, 'backup-nfs')).toBe(90);
    expect(guardThreshold(undefined, undefined, 'backup-nfs')).toBeUndefined();
  });
});
