import { describe, expect, it } from 'vitest';
import { type ListedSnapshot, mergeGuestSnapshots } from '#shared/domain/guest-snapshots.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';

const record = (name: string, fields: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  tenantId: 't',
  guestId: 'g',
  name,
  status: 'created',
  vmstate: false,
  createdAt: '2026-01-01T02:00:00.000Z',
  ...fields,
});
const listed = (name: string, snaptime: number, fields: Partial<ListedSnapshot> = {}): ListedSnapshot => ({
  name,
  snaptime,
  vmstate: false,
  description: '',
  parent: undefined,
  snapstate: undefined,
  ...fields,
});
const at = (iso: string) => Date.parse(iso) / 1000;

describe('a guest\u2019s snapshot list', () => {
  it('marks each snapshot by origin and says which are on Proxmox, newest first', () => {
    const merged = mergeGuestSnapshots(
      'g',
      [
        record('auto-20260101-0200', { policyId: 'pol_1' }),
        record('before-upgrade', { manual: true, createdAt: '2026-01-02T00:00:00.000Z' }),
        record('auto-20260103-0200', { policyId: 'pol_1', createdAt: '2026-01-03T02:00:00.000Z' }),
        record('auto-20251231-0200', {
          policyId: 'pol_1',
          status: 'deleted',
          createdAt: '2025-12-31T02:00:00.000Z',
        }),
      ],
      [
        listed('auto-20260101-0200', at('2026-01-01T02:00:00Z'), { parent: 'made-by-hand' }),
        listed('before-upgrade', at('2026-01-02T00:00:00Z'), { snapstate: 'delete' }),
        listed('made-by-hand', at('2025-12-01T00:00:00Z'), { vmstate: true, description: 'hand' }),
      ],
    );
    expect(
      merged.map(({ name, origin, onProxmox, status }) => ({ name, origin, onProxmox, status })),
    ).toEqual([
      { name: 'auto-20260103-0200', origin: 'policy', onProxmox: false, status: 'created' },
      { name: 'before-upgrade', origin: 'manual', onProxmox: true, status: 'created' },
      { name: 'auto-20260101-0200', origin: 'policy', onProxmox: true, status: 'created' },
      { name: 'auto-20251231-0200', origin: 'policy', onProxmox: false, status: 'deleted' },
      { name: 'made-by-hand', origin: 'external', onProxmox: true, status: 'created' },
    ]);
    expect(merged.find((item) => item.name === 'made-by-hand')).toMatchObject({
      guestId: 'g',
      vmstate: true,
      description: 'hand',
      createdAt: '2025-12-01T00:00:00.000Z',
    });
    expect(merged.find((item) => item.name === 'before-upgrade')?.snapstate).toBe('delete');
    expect(merged.find((item) => item.name === 'auto-20260101-0200')?.parent).toBe('made-by-hand');
    expect(merged.every((item) => !('tenantId' in item))).toBe(true);
  });

  it('lists the records alone, without claiming where they are, when Proxmox could not be read', () => {
    const merged = mergeGuestSnapshots(
      'g',
      [record('a', { manual: true }), record('b', { adopted: true })],
      undefined,
    );
    expect(merged.map((item) => [item.name, item.origin, 'onProxmox' in item])).toEqual([
      ['a', 'manual', false],
      ['b', 'external', false],
    ]);
  });
});
