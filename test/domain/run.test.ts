import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  finalRunStatus,
  MANUAL_RUN_NAME,
  RUN_STATUSES,
  runIdFor,
  runSnapshotName,
  runStatusOf,
} from '#shared/domain/run.ts';
import { PROXMOX_SNAPSHOT_NAME, PROXMOX_SNAPSHOT_NAME_MAX } from '#shared/domain/snapshot-name.ts';

describe('run status', () => {
  it.each([
    [{ targets: 0, succeeded: 0, failed: 0 }, 'skipped'],
    [{ targets: 3, succeeded: 3, failed: 0 }, 'succeeded'],
    [{ targets: 3, succeeded: 1, failed: 2 }, 'partially_failed'],
    [{ targets: 3, succeeded: 0, failed: 3 }, 'failed'],
    [{ targets: 3, succeeded: 2, failed: 0 }, 'partially_failed'],
    [{ targets: 3, succeeded: 0, failed: 0 }, 'failed'],
  ])('%o is %s', (counts, status) => {
    expect(finalRunStatus(counts)).toBe(status);
  });

  it('uses the words of the run events, and only those', () => {
    expect([...RUN_STATUSES].sort()).toEqual(
      ['cancelled', 'failed', 'partially_failed', 'running', 'skipped', 'succeeded'].sort(),
    );
  });

  it('reads the words older records hold as today\u2019s', () => {
    expect(runStatusOf('completed')).toBe('succeeded');
    expect(runStatusOf('partial')).toBe('partially_failed');
    expect(runStatusOf('pending')).toBe('running');
    for (const status of RUN_STATUSES) expect(runStatusOf(status)).toBe(status);
  });

  it('is cancelled whenever an operator cancelled it, whatever the counts', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (targets, succeeded, failed) => {
        expect(finalRunStatus({ targets, succeeded, failed }, true)).toBe('cancelled');
      }),
    );
  });

  it('is succeeded only when every target succeeded', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (targets, succeeded, failed) => {
        const s = Math.min(succeeded, targets);
        const f = Math.min(failed, targets - s);
        expect(finalRunStatus({ targets, succeeded: s, failed: f }) === 'succeeded').toBe(
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

describe('run snapshot names', () => {
  it('keeps a scheduled tick\u2019s name deterministic (minute precision)', () => {
    expect(runSnapshotName('nightly', '2026-03-14T02:00:00.000Z', 'schedule', 'run_A')).toBe(
      'nightly-20260314-0200',
    );
    expect(runSnapshotName('nightly', '2026-03-14T02:00:00.000Z', 'schedule', 'run_B')).toBe(
      'nightly-20260314-0200',
    );
  });

  it('names a manual run with seconds and a suffix of its id: two runs in one second get two names', () => {
    const a = runSnapshotName(
      'nightly',
      '2026-03-14T15:30:12.345Z',
      'manual',
      'run_01AAAAAAAAAAAAAAAAAAAAAAAA',
    );
    const b = runSnapshotName(
      'nightly',
      '2026-03-14T15:30:12.345Z',
      'manual',
      'run_01AAAAAAAAAAAAAAAAAAAAAAAB',
    );
    expect(a).toMatch(/^nightly-20260314-153012-[0-9a-z]{4}$/);
    expect(a).not.toBe(b);
    expect(
      runSnapshotName('nightly', '2026-03-14T15:30:12.345Z', 'manual', 'run_01AAAAAAAAAAAAAAAAAAAAAAAA'),
    ).toBe(a);
  });

  it('always gives Proxmox a valid name of at most 40 characters that reads back as a manual run', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,25}$/),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.stringMatching(/^run_[0-9A-Z]{26}$/),
        (prefix, at, runId) => {
          const name = runSnapshotName(prefix, at.toISOString(), 'manual', runId);
          expect(name.length).toBeLessThanOrEqual(PROXMOX_SNAPSHOT_NAME_MAX);
          expect(name).toMatch(PROXMOX_SNAPSHOT_NAME);
          const parsed = MANUAL_RUN_NAME.exec(name);
          expect(parsed?.[1]).toBe(prefix.slice(0, parsed?.[1]?.length));
          expect(prefix.startsWith(parsed?.[1] ?? '?')).toBe(true);
        },
      ),
    );
  });
});
