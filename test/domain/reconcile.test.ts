import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ObservedSnapshot, reconcileSnapshots } from '#shared/domain/reconcile.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';

const policies = new Map([['nightly', 'pol_1']]);
const record = (name: string, status: SnapshotRecord['status'] = 'created'): SnapshotRecord => ({
  tenantId: 't',
  guestId: 'g',
  name,
  status,
  vmstate: false,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const seen = (name: string, vmstate = false): ObservedSnapshot => ({
  name,
  snaptime: 1_767_225_600,
  vmstate,
});

describe('snapshot reconciliation', () => {
  it('adopts the service\u2019s snapshots without a record, with their policy and tick', () => {
    const result = reconcileSnapshots(
      't',
      'g',
      [],
      [seen('nightly-20260101-0200'), seen('manual-20260101-020000')],
      policies,
      'now',
    );
    expect(result.adopt).toEqual([
      expect.objectContaining({
        name: 'nightly-20260101-0200',
        policyId: 'pol_1',
        scheduledTime: '2026-01-01T02:00:00.000Z',
        adopted: true,
      }),
      expect.objectContaining({ name: 'manual-20260101-020000', manual: true, adopted: true }),
    ]);
  });

  it('never adopts a snapshot someone made by hand in Proxmox under another name', () => {
    const result = reconcileSnapshots(
      't',
      'g',
      [],
      [seen('before-upgrade'), seen('other-20260101-0200')],
      policies,
      'now',
    );
    expect(result.adopt).toEqual([]);
  });

  it('marks records whose snapshot vanished as missing, and leaves failed records alone', () => {
    const result = reconcileSnapshots(
      't',
      'g',
      [record('nightly-20260101-0200'), record('nightly-20260102-0200', 'failed')],
      [],
      policies,
      'now',
    );
    expect(result.missing).toEqual([
      expect.objectContaining({ name: 'nightly-20260101-0200', status: 'missing', missingSince: 'now' }),
    ]);
  });

  it('changes nothing once records and Proxmox agree (idempotent)', () => {
    const names = fc.uniqueArray(
      fc.oneof(
        fc.integer({ min: 1, max: 28 }).map((day) => `nightly-202601${String(day).padStart(2, '0')}-0200`),
        fc.constantFrom('before-upgrade', 'manual-20260101-101010'),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(names, names, (recordedNames, observedNames) => {
        const first = reconcileSnapshots(
          't',
          'g',
          recordedNames.map((n) => record(n)),
          observedNames.map((n) => seen(n)),
          policies,
          'now',
        );
        const byName = new Map(recordedNames.map((n) => [n, record(n)]));
        for (const r of [...first.adopt, ...first.missing, ...first.corrected]) byName.set(r.name, r);
        const second = reconcileSnapshots(
          't',
          'g',
          [...byName.values()],
          observedNames.map((n) => seen(n)),
          policies,
          'later',
        );
        expect(second.adopt).toEqual([]);
        expect(second.missing).toEqual([]);
        expect(second.corrected).toEqual([]);
      }),
    );
  });

  it('records RAM state as Proxmox lists it, not as it was asked', () => {
    const asked = { ...record('nightly-20260101-0200'), vmstate: true };
    const result = reconcileSnapshots(
      't',
      'g',
      [asked, record('nightly-20260102-0200')],
      [
        seen('nightly-20260101-0200', false),
        seen('nightly-20260102-0200', false),
        seen('nightly-20260103-0200', true),
      ],
      policies,
      'now',
    );
    expect(result.corrected).toEqual([
      expect.objectContaining({ name: 'nightly-20260101-0200', vmstate: false }),
    ]);
    expect(result.adopt).toEqual([expect.objectContaining({ name: 'nightly-20260103-0200', vmstate: true })]);
  });

  it('adopts a manual run\u2019s snapshot for its policy, also under a shortened prefix that names one policy', () => {
    const long = 'a-rather-long-policy-pre';
    const result = reconcileSnapshots(
      't',
      'g',
      [],
      [seen('nightly-20260314-153012-k3f9'), seen(`${long.slice(0, 19)}-20260314-153012-ab12`)],
      new Map([
        ['nightly', 'pol_1'],
        [long, 'pol_2'],
      ]),
      'now',
    );
    expect(result.adopt).toEqual([
      expect.objectContaining({ policyId: 'pol_1', scheduledTime: '2026-03-14T15:30:12.000Z' }),
      expect.objectContaining({ policyId: 'pol_2', scheduledTime: '2026-03-14T15:30:12.000Z' }),
    ]);
  });

  it('leaves a shortened prefix alone when it could be several policies\u2019', () => {
    const result = reconcileSnapshots(
      't',
      'g',
      [],
      [seen('a-rather-long-polic-20260314-153012-ab12')],
      new Map([
        ['a-rather-long-policy-one', 'pol_1'],
        ['a-rather-long-policy-two', 'pol_2'],
      ]),
      'now',
    );
    expect(result.adopt).toEqual([]);
  });
});
