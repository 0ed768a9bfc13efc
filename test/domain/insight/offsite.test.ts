import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPoints, offsiteCoverage } from '#shared/domain/insight/offsite.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('off-site coverage', () => {
  it('counts only an off-site copy policy\u2019s archives as off-site points', () => {
    const points = classifyPoints(
      [
        { kind: 'backup', createdMs: 1, policyId: 'pol_copy' },
        { kind: 'backup', createdMs: 2, policyId: 'pol_nightly' },
        { kind: 'backup', createdMs: 3 },
        { kind: 'snapshot', createdMs: 4, policyId: 'pol_copy' },
      ],
      new Set(['pol_copy']),
    );
    expect(points.map((point) => point.kind)).toEqual(['offsite', 'backup', 'backup', 'snapshot']);
  });

  it('protects only while the newest copy is younger than the interval, whatever else the guest has', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 72 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 72 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 48 }),
        (copyAges, backupAges, intervalHours) => {
          const points = [
            ...copyAges.map((age) => ({ kind: 'offsite' as const, createdMs: NOW - age * HOUR })),
            ...backupAges.map((age) => ({ kind: 'backup' as const, createdMs: NOW - age * HOUR })),
          ];
          const status = offsiteCoverage({
            points,
            intervalMs: intervalHours * HOUR,
            policyIds: ['p'],
            nowMs: NOW,
          });
          const youngest = copyAges.length > 0 ? Math.min(...copyAges) : undefined;
          expect(status.protected).toBe(youngest !== undefined && youngest < intervalHours);
          expect(status.newestMs).toBe(youngest === undefined ? undefined : NOW - youngest * HOUR);
        },
      ),
    );
  });
});
