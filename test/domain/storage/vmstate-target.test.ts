import { describe, expect, it } from 'vitest';
import type { ProxmoxStorage } from '#shared/domain/proxmox/types.ts';
import { vmstateBytes, vmstateTarget } from '#shared/domain/proxmox/vmstate-target.ts';

const MIB = 1024 ** 2;
const storage = (id: string, type: string, shared: number): ProxmoxStorage => ({
  storage: id,
  type,
  content: 'images',
  shared,
});
const storages = [
  storage('local-lvm', 'lvmthin', 0),
  storage('local', 'dir', 0),
  storage('ceph', 'rbd', 1),
  storage('nfs', 'nfs', 1),
];

describe('where a RAM snapshot writes its state (qemu-server find_vmstate_storage)', () => {
  it('reserves twice the configured memory plus 500 MiB, memory given as a number or a property string', () => {
    expect(vmstateTarget({ memory: 4096, scsi0: 'local-lvm:vm-100-disk-0,size=32G' }, storages)).toEqual({
      storage: 'local-lvm',
      bytes: vmstateBytes(4096 * MIB),
    });
    expect(vmstateTarget({ memory: 'current=2048', scsi0: 'local-lvm:x' }, storages).bytes).toBe(
      (2 * 2048 + 500) * MIB,
    );
    // qemu-server's default memory.
    expect(vmstateTarget({ scsi0: 'local-lvm:x' }, storages).bytes).toBe((2 * 512 + 500) * MIB);
  });

  it('takes vmstatestorage first, then a shared disk storage (file-based preferred), then a local one, else local', () => {
    expect(vmstateTarget({ vmstatestorage: 'nfs', scsi0: 'local-lvm:x' }, storages).storage).toBe('nfs');
    expect(vmstateTarget({ scsi0: 'local-lvm:x', scsi1: 'ceph:y' }, storages).storage).toBe('ceph');
    expect(vmstateTarget({ scsi0: 'ceph:x', virtio1: 'nfs:y' }, storages).storage).toBe('nfs');
    expect(vmstateTarget({ sata0: 'local-lvm:x', sata1: 'local:y' }, storages).storage).toBe('local');
    // A CD-ROM and an absolute path are no disks on a storage.
    expect(
      vmstateTarget({ ide2: 'nfs:iso/debian.iso,media=cdrom', scsi0: '/dev/sdb' }, storages).storage,
    ).toBe('local');
  });
});
