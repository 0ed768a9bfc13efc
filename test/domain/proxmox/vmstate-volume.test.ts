import { describe, expect, it } from 'vitest';
import { vmstateVolumes } from '#shared/domain/proxmox/vmstate-volume.ts';

describe('RAM state volumes in a storage\u2019s content', () => {
  it('finds qemu-server\u2019s vm-<vmid>-state-<snapname>, block and file based, with its size', () => {
    expect(
      vmstateVolumes([
        { volid: 'local-lvm:vm-101-state-before_upgrade', size: 4_718_592_000 },
        { volid: 'local:101/vm-101-state-auto-2026-11-30.raw', size: 1_000 },
        { volid: 'local-lvm:vm-101-disk-0', size: 34_359_738_368 },
        { volid: 'local:102/vm-101-state-x.raw', size: 5 },
        { volid: 'backup-nfs:backup/vzdump-qemu-101-2026_11_30-03_00_00.vma.zst', size: 7 },
      ]),
    ).toEqual([
      {
        volid: 'local-lvm:vm-101-state-before_upgrade',
        vmid: 101,
        snapname: 'before_upgrade',
        size: 4_718_592_000,
      },
      {
        volid: 'local:101/vm-101-state-auto-2026-11-30.raw',
        vmid: 101,
        snapname: 'auto-2026-11-30',
        size: 1_000,
      },
    ]);
  });
});
