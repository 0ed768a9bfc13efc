import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGuestReference } from '#shared/domain/guest-id.ts';
import { operationNameSuffix } from '#shared/domain/operation.ts';
import { reconcileSnapshots } from '#shared/domain/reconcile.ts';
import {
  HAND_SNAPSHOT_NAME,
  handSnapshotName,
  PROXMOX_SNAPSHOT_NAME,
  PROXMOX_SNAPSHOT_NAME_MAX,
  scheduledSnapshotName,
} from '#shared/domain/snapshot-name.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Operation ids as the service makes them: a prefix and 26 Crockford characters. */
const operationId = fc
  .array(fc.constantFrom(...CROCKFORD), { minLength: 26, maxLength: 26 })
  .map((chars) => `op_${chars.join('')}`);
/** Any time from 2000 to 2200. */
const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2200, 0, 1) });

describe('names of snapshots taken by hand', () => {
  it('are valid Proxmox names of at most 40 characters, which reconciliation adopts as manual', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('manual', 'safety') as fc.Arbitrary<'manual' | 'safety'>,
        instant,
        operationId,
        (kind, at, id) => {
          const name = handSnapshotName(kind, at, operationNameSuffix(id));
          expect(name).toMatch(PROXMOX_SNAPSHOT_NAME);
          expect(name.length).toBeLessThanOrEqual(PROXMOX_SNAPSHOT_NAME_MAX);
          expect(name).toMatch(HAND_SNAPSHOT_NAME);
          // Never mistaken for a policy's scheduled name, even for a policy prefixed `manual`.
          const { adopt } = reconcileSnapshots(
            't',
            'g',
            [],
            [{ name, snaptime: Math.floor(at / 1000), vmstate: false }],
            new Map([
              ['manual', 'pol_1'],
              [kind, 'pol_2'],
            ]),
            'now',
          );
          expect(adopt).toEqual([expect.objectContaining({ name, manual: true, adopted: true })]);
          expect(adopt[0]?.policyId).toBeUndefined();
        },
      ),
    );
  });

  it('spell the UTC time to the second', () => {
    expect(handSnapshotName('manual', Date.UTC(2026, 0, 2, 3, 4, 5), 'k3f9')).toBe(
      'manual-20260102-030405-k3f9',
    );
    expect(() => handSnapshotName('manual', 0, 'K3F9')).toThrow(RangeError);
  });

  it('are told apart from scheduled names, and older names without a suffix are still recognised', () => {
    expect('manual-20260102-030405').toMatch(HAND_SNAPSHOT_NAME);
    expect(scheduledSnapshotName('manual', Date.UTC(2026, 0, 2, 3, 4))).not.toMatch(HAND_SNAPSHOT_NAME);
    expect('manual-20260102-030405-K3F9').not.toMatch(HAND_SNAPSHOT_NAME);
  });
});

describe('guest references', () => {
  it('take a canonical id or <cluster name>/<vmid>', () => {
    expect(parseGuestReference('cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.101')).toEqual({
      kind: 'id',
      clusterId: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      vmid: 101,
    });
    expect(parseGuestReference('lab/101')).toEqual({ kind: 'name', clusterName: 'lab', vmid: 101 });
    expect(parseGuestReference('site a/rack 2/999999999')).toEqual({
      kind: 'name',
      clusterName: 'site a/rack 2',
      vmid: 999_999_999,
    });
    for (const bad of [
      'bogus',
      '101',
      'lab/',
      '/101',
      'lab/99',
      'lab/0101',
      'lab/web',
      `${'x'.repeat(101)}/101`,
    ])
      expect(parseGuestReference(bad)).toBeUndefined();
  });
});
