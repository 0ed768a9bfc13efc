import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  archiveStamp,
  BACKUP_COMPRESSIONS,
  formatArchiveName,
  parseArchiveName,
} from '#shared/domain/backup/archive-name.ts';
import { formatBackupId, parseBackupId } from '#shared/domain/backup/backup-record.ts';

const archives = fc.record({
  guestType: fc.constantFrom('qemu' as const, 'lxc' as const),
  vmid: fc.integer({ min: 100, max: 999_999_999 }),
  stamp: fc
    .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
    .map((date) =>
      archiveStamp({
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: date.getUTCHours(),
        minute: date.getUTCMinutes(),
        second: date.getUTCSeconds(),
      }),
    ),
  compression: fc.constantFrom(...BACKUP_COMPRESSIONS),
});

describe('vzdump archive names', () => {
  it('reads what vzdump writes, for QEMU and LXC, every compression', () => {
    expect(parseArchiveName('local:backup/vzdump-qemu-101-2026_11_30-01_00_03.vma.zst')).toEqual({
      guestType: 'qemu',
      vmid: 101,
      stamp: '2026_11_30-01_00_03',
      format: 'vma',
      compression: 'zstd',
    });
    expect(parseArchiveName('vzdump-lxc-200-2026_01_02-23_59_59.tar')).toMatchObject({
      guestType: 'lxc',
      format: 'tar',
      compression: '0',
    });
    expect(parseArchiveName('nfs:backup/vzdump-lxc-200-2026_01_02-23_59_59.tar.gz')?.compression).toBe(
      'gzip',
    );
    expect(parseArchiveName('vzdump-qemu-101-2026_01_02-23_59_59.vma.lzo')?.compression).toBe('lzo');
  });

  it('is not fooled by logs, notes, wrong formats or Proxmox Backup Server snapshots', () => {
    for (const other of [
      'local:backup/vzdump-qemu-101-2026_11_30-01_00_03.log',
      'local:backup/vzdump-qemu-101-2026_11_30-01_00_03.vma.zst.notes',
      'local:backup/vzdump-qemu-101-2026_11_30-01_00_03.tar.zst',
      'local:backup/vzdump-lxc-101-2026_11_30-01_00_03.vma',
      'local:backup/vzdump-qemu-99-2026_11_30-01_00_03.vma',
      'pbs:backup/vm/101/2026-11-30T01:00:03Z',
      'local:iso/debian.iso',
    ]) {
      expect(parseArchiveName(other), other).toBeUndefined();
    }
  });

  it('reads back every name it formats', () => {
    fc.assert(
      fc.property(archives, (archive) => {
        const format = archive.guestType === 'qemu' ? 'vma' : 'tar';
        const name = formatArchiveName({ ...archive, format });
        expect(parseArchiveName(`store:backup/${name}`)).toEqual({ ...archive, format });
      }),
    );
  });
});

describe('backup ids', () => {
  it('name the guest and the volume, and read back only their own canonical spelling', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !s.includes('\n')),
        fc.string({ minLength: 1, maxLength: 200 }),
        (guestId, volid) => {
          const id = formatBackupId(guestId, volid);
          expect(id).toMatch(/^bk_[A-Za-z0-9_-]+$/);
          expect(parseBackupId(id)).toEqual({ guestId, volidOrRun: volid });
        },
      ),
    );
    expect(parseBackupId('bk_')).toBeUndefined();
    expect(parseBackupId('bk_not+base64')).toBeUndefined();
    expect(parseBackupId(`bk_${Buffer.from('no-newline').toString('base64url')}`)).toBeUndefined();
    expect(parseBackupId('op_123')).toBeUndefined();
  });
});
