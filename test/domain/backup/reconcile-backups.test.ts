import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKUP_STATUSES, type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { reconcileBackups, type StorageListing } from '#shared/domain/backup/reconcile-backups.ts';
import type { BackupVolume } from '#shared/domain/proxmox/types.ts';

const guest = {
  tenantId: 't',
  id: 'cl_x.100',
  clusterId: 'cl_x',
  node: 'pve1',
  type: 'qemu',
  vmid: 100,
} as const;
const NOW = '2026-06-01T00:00:00.000Z';
const STORAGES = ['local', 'nfs'] as const;
const NODES = ['pve1', 'pve2'] as const;

const volid = (storage: string, n: number) =>
  `${storage}:backup/vzdump-qemu-100-2026_01_${String(n).padStart(2, '0')}-00_00_00.vma.zst`;

const volume = (storage: string, n: number, extra: Partial<BackupVolume> = {}): BackupVolume => ({
  volid: volid(storage, n),
  format: 'vma.zst',
  size: 1000 + n,
  ctime: 1_767_225_600 + n * 86_400,
  subtype: 'qemu',
  vmid: 100,
  ...extra,
});

const record = (
  storage: string,
  node: string,
  n: number,
  extra: Partial<BackupRecord> = {},
): BackupRecord => ({
  tenantId: 't',
  id: formatBackupId(guest.id, volid(storage, n)),
  guestId: guest.id,
  clusterId: 'cl_x',
  node,
  guestType: 'qemu',
  vmid: 100,
  storage,
  volid: volid(storage, n),
  size: 1000 + n,
  createdAt: NOW,
  status: 'created',
  origin: 'policy',
  ...extra,
});

describe('reconcileBackups', () => {
  it('adopts unknown archives as external, marks vanished ones missing, records changed notes and a return', () => {
    const records = [
      record('nfs', 'pve1', 1),
      record('nfs', 'pve1', 2),
      record('nfs', 'pve1', 3, { status: 'missing', missingSince: NOW }),
      record('local', 'pve2', 4),
    ];
    const listings: StorageListing[] = [
      {
        node: 'pve1',
        storage: 'nfs',
        shared: true,
        volumes: [volume('nfs', 1), volume('nfs', 3), volume('nfs', 5, { notes: 'by hand', protected: 1 })],
      },
    ];
    const result = reconcileBackups(guest, records, listings, NOW);
    expect(result.adopt).toEqual([
      expect.objectContaining({
        volid: volid('nfs', 5),
        origin: 'external',
        status: 'created',
        notes: 'by hand',
        protected: true,
        compression: 'zstd',
        size: 1005,
      }),
    ]);
    expect(result.missing).toEqual([
      expect.objectContaining({ volid: volid('nfs', 2), status: 'missing', missingSince: NOW }),
    ]);
    expect(result.updated).toEqual([expect.objectContaining({ volid: volid('nfs', 3), status: 'created' })]);
    expect(result.updated[0]).not.toHaveProperty('missingSince');
  });

  it('decides only on what was read, adopts each unrecorded archive once, and never touches failed or deleted records', () => {
    const recordArb = fc.record({
      storage: fc.constantFrom(...STORAGES),
      node: fc.constantFrom(...NODES),
      n: fc.integer({ min: 1, max: 20 }),
      status: fc.constantFrom(...BACKUP_STATUSES),
    });
    const listingArb = fc.record({
      storage: fc.constantFrom(...STORAGES),
      node: fc.constantFrom(...NODES),
      volumes: fc.uniqueArray(fc.integer({ min: 1, max: 20 })),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(recordArb, { selector: (r) => `${r.storage}${r.n}` }),
        fc.uniqueArray(listingArb, { selector: (l) => `${l.storage}${l.node}` }),
        (rawRecords, rawListings) => {
          const records = rawRecords.map((r) => record(r.storage, r.node, r.n, { status: r.status }));
          const listings: StorageListing[] = rawListings.map((l) => ({
            node: l.node,
            storage: l.storage,
            shared: l.storage === 'nfs',
            volumes: l.volumes.map((n) => volume(l.storage, n)),
          }));
          const { adopt, missing, updated } = reconcileBackups(guest, records, listings, NOW);
          const covering = (r: BackupRecord) =>
            listings.filter((l) => l.storage === r.storage && (l.shared || l.node === r.node));
          const listed = new Set(listings.flatMap((l) => l.volumes.map((v) => v.volid)));
          const recorded = new Set(records.map((r) => r.volid));
          for (const changed of [...missing, ...updated]) {
            const before = records.find((r) => r.id === changed.id) as BackupRecord;
            expect(covering(before).length).toBeGreaterThan(0);
            expect(['created', 'missing']).toContain(before.status);
          }
          for (const r of records) {
            const seen = covering(r).some((l) => l.volumes.some((v) => v.volid === r.volid));
            const isMissing = missing.some((m) => m.id === r.id);
            expect(isMissing).toBe(r.status === 'created' && covering(r).length > 0 && !seen);
          }
          expect(adopt.map((a) => a.volid).sort()).toEqual(
            [...listed].filter((v) => !recorded.has(v)).sort(),
          );
          expect(new Set(adopt.map((a) => a.id)).size).toBe(adopt.length);
          for (const a of adopt) expect(a).toMatchObject({ origin: 'external', status: 'created' });
        },
      ),
    );
  });
});
