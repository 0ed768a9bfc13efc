import { describe, expect, it } from 'vitest';
import type { Backup } from '../../console/src/api/types.ts';
import {
  backupRestoreBody,
  describeBackupRestore,
  INITIAL_BACKUP_CHOICES,
} from '../../console/src/screens/backup-restore-plan.ts';

const backup: Backup = {
  id: 'bk_x',
  guestId: 'cl_1.101',
  clusterId: 'cl_1',
  node: 'pve1',
  guestType: 'qemu',
  vmid: 101,
  storage: 'backup-nfs',
  volid: 'backup-nfs:backup/vzdump-qemu-101-2026_11_30-03_00_00.vma.zst',
  createdAt: '2026-11-30T03:00:00.000Z',
  status: 'created',
  origin: 'policy',
};

describe('restore from a backup in the console', () => {
  it('asks for a new guest by default, with only the fields given', () => {
    expect(backupRestoreBody(INITIAL_BACKUP_CHOICES)).toEqual({ start: false });
    expect(
      backupRestoreBody({ ...INITIAL_BACKUP_CHOICES, vmid: ' 900 ', name: 'copy', start: 'yes' }),
    ).toEqual({
      start: true,
      newGuest: { vmid: 900, name: 'copy' },
    });
  });

  it('overwrites only when chosen, with or without a safety backup', () => {
    expect(backupRestoreBody({ ...INITIAL_BACKUP_CHOICES, mode: 'overwrite', start: 'default' })).toEqual({
      overwrite: true,
      safetyBackup: true,
    });
    expect(
      backupRestoreBody({ ...INITIAL_BACKUP_CHOICES, mode: 'overwrite', safetyBackup: false, start: 'no' }),
    ).toEqual({ overwrite: true, safetyBackup: false, start: false });
  });

  it('says what Proxmox will do before anything happens', () => {
    const newGuest = describeBackupRestore(backup, 'web-01', INITIAL_BACKUP_CHOICES).join(' ');
    expect(newGuest).toContain('"vzdump-qemu-101-2026_11_30-03_00_00.vma.zst" on backup-nfs');
    expect(newGuest).toContain('the next free VMID');
    expect(newGuest).toContain('VM 101 (web-01) itself is not touched');
    const overwrite = describeBackupRestore(backup, 'web-01', {
      ...INITIAL_BACKUP_CHOICES,
      mode: 'overwrite',
      safetyBackup: false,
    }).join(' ');
    expect(overwrite).toContain('No safety backup is taken');
    expect(overwrite).toContain('all its snapshots are replaced');
  });
});
