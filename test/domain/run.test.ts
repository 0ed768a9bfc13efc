import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalRunStatus, runIdFor } from '#shared/domain/run.ts';

describe('run status', () => {
  it.each([
    [{ targets: 0, succeeded: 0, failed: 0 }, 'skipped'],
    [{ targets: 3, succeeded: 3, failed: 0 }, 'completed'],
    [{ targets: 3, succeeded: 1, failed: 2 }, 'partial'],
    [{ targets: 3, succeeded: 0, failed: 3 }, 'failed'],
    [{ targets: 3, succeeded: 2, failed: 0 }, 'partial'],
    [{ targets: 3, succeeded: 0, failed: 0 }, 'failed'],
  ])('%o is %s', (counts, status) => {
    expect(finalRunStatus(counts)).toBe(status);
  });

  it('is completed only when every target succeeded', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (targets, succeeded, failed) => {
        const s = Math.min(succeeded, targets);
        const f = Math.min(failed, targets - s);
        expect(finalRunStatus({ targets, succeeded: s, failed: f }) === 'completed').toBe(
          targets > 0 && s === targets,
        );
      }),
    );
  });

  it('derives one run id per policy and tick', () => {
    expect(runIdFor('pol_1', '2026-01-01T02:00:00.000Z')).toBe(runIdFor('pol_1', '2026-01-01T02:00:00.000Z'));
    expect(runIdFor('pol_1', '2026-01-01T02:00:00.000Z')).not.toBe(
      runIdFor('pol_1', '2026-01-02T02:00:00.000Z'),
    );
    expect(runIdFor('pol_1', '2026-01-01T02:00:00.000Z')).toMatch(/^run_[0-9A-Z]{26}$/);
  });
});
