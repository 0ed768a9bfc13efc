import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { decideBackupRetention } from '#shared/services/backup-policy/backup-retention.ts';

const policy = {
  id: 'pol_1',
  retention: { keepLast: 1 },
  schedule: { cron: '0 3 * * *', timezone: 'UTC', missedRuns: 'skip' as const },
};

const archive = (day: number, overrides: Partial<BackupRecord> = {}): BackupRecord => {
  const stamp = `2026_11_${String(day).padStart(2, '0')}-03_00_00`;
  const volid = `${overrides.storage ?? 'nfs'}:backup/vzdump-qemu-100-${stamp}.vma.zst`;
  return {
    tenantId: 'acme',
    id: formatBackupId('cl_1.100', volid),
    guestId: 'cl_1.100',
    clusterId: 'cl_1',
    node: 'pve1',
    guestType: 'qemu',
    vmid: 100,
    storage: 'nfs',
    volid,
    size: 1000,
    createdAt: `2026-11-${String(day).padStart(2, '0')}T03:00:05.000Z`,
    scheduledTime: `2026-11-${String(day).padStart(2, '0')}T03:00:00.000Z`,
    status: 'created',
    origin: 'policy',
    policyId: 'pol_1',
    ...overrides,
  };
};

const NOW = Date.parse('2026-12-01T00:00:00Z');

describe('backup retention', () => {
  it('decides only on the policy\u2019s own existing archives', () => {
    const decisions = decideBackupRetention(
      policy,
      [
        archive(1),
        archive(2),
        archive(3, { protected: true }),
        archive(4, { origin: 'external', policyId: undefined }),
        archive(5, { policyId: 'pol_other' }),
        archive(6, { status: 'failed', volid: undefined }),
        archive(7, { status: 'deleted' }),
      ],
      NOW,
    );
    expect(decisions.map((d) => [d.name, d.keep, d.reason])).toEqual([
      ['nfs:backup/vzdump-qemu-100-2026_11_03-03_00_00.vma.zst', true, 'protected'],
      ['nfs:backup/vzdump-qemu-100-2026_11_02-03_00_00.vma.zst', true, 'keep-last'],
      ['nfs:backup/vzdump-qemu-100-2026_11_01-03_00_00.vma.zst', false, 'pruned'],
    ]);
  });

  it('keeps a protected archive as protected, listed, and covering no period of the rule (as PBS)', () => {
    const decisions = decideBackupRetention(
      { ...policy, retention: { keepDaily: 2 } },
      [archive(1), archive(2), archive(3), archive(4, { protected: true }), archive(5, { protected: true })],
      NOW,
    );
    // The two protected days neither vanish from the decision nor use up keep-daily's two days.
    expect(decisions.map((d) => [d.name.slice(27, 37), d.keep, d.reason])).toEqual([
      ['2026_11_05', true, 'protected'],
      ['2026_11_04', true, 'protected'],
      ['2026_11_03', true, 'keep-daily'],
      ['2026_11_02', true, 'keep-daily'],
      ['2026_11_01', false, 'pruned'],
    ]);
  });

  it('applies the rule per storage, each keeping its own newest archive', () => {
    const decisions = decideBackupRetention(
      { ...policy, retention: { keepLast: 1 } },
      [archive(1), archive(2), archive(1, { storage: 'pbs' }), archive(3, { storage: 'pbs' })],
      NOW,
    );
    expect(decisions.filter((d) => d.keep).map((d) => [d.storage, d.name])).toEqual([
      ['pbs', 'pbs:backup/vzdump-qemu-100-2026_11_03-03_00_00.vma.zst'],
      ['nfs', 'nfs:backup/vzdump-qemu-100-2026_11_02-03_00_00.vma.zst'],
    ]);
  });

  it('never prunes the newest archive on a storage, whatever the rule', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 28 }), { minLength: 1, maxLength: 12 }),
        fc.record({
          keepLast: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
          keepDaily: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
          maxAgeDays: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        }),
        (days, rule) => {
          const retention = Object.fromEntries(
            Object.entries(rule).filter(([, value]) => value !== undefined),
          );
          const decisions = decideBackupRetention(
            { ...policy, retention },
            days.map((day) => archive(day)),
            NOW,
          );
          const newest = Math.max(...days);
          const kept = decisions.find((d) => d.name.includes(`2026_11_${String(newest).padStart(2, '0')}-`));
          expect(kept?.keep).toBe(true);
          expect(decisions).toHaveLength(days.length);
        },
      ),
    );
  });
});
