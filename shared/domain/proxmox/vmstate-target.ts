import type { ProxmoxStorage } from './types.ts';

const MIB = 1024 ** 2;

/**
 * Bytes qemu-server reserves for a RAM snapshot's state volume: twice the configured memory plus
 * 500 MiB of device state (`__snapshot_save_vmstate`: live-saved memory plus what is left).
 */
export const vmstateBytes = (memoryBytes: number): number => memoryBytes * 2 + 500 * MIB;

/** Storage types with a file path (qemu-server prefers them for the state volume). */
const PATH_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'glusterfs', 'btrfs']);
const DISK_KEY = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/;

/** The configured memory in MiB: `memory` is a number or, since PVE 8.1, a property string (`current=4096`). */
function memoryMiB(config: Readonly<Record<string, unknown>>): number {
  const memory = config.memory;
  if (typeof memory === 'number') return memory;
  if (typeof memory === 'string') {
    const current = /(?:^|,)(?:current=)?(\d+)(?:,|$)/.exec(memory);
    if (current?.[1]) return Number(current[1]);
  }
  // qemu-server's default.
  return 512;
}

/**
 * Where a RAM snapshot of a VM writes its state and how much it reserves, by qemu-server's
 * `find_vmstate_storage`: `vmstatestorage` when set, else a shared storage holding one of its
 * disks, else a local one (file-based ones preferred), else `local`.
 */
export function vmstateTarget(
  config: Readonly<Record<string, unknown>>,
  storages: readonly ProxmoxStorage[],
): { storage: string; bytes: number } {
  const bytes = vmstateBytes(memoryMiB(config) * MIB);
  if (typeof config.vmstatestorage === 'string' && config.vmstatestorage)
    return { storage: config.vmstatestorage, bytes };
  let shared: string | undefined;
  let local: string | undefined;
  for (const [key, value] of Object.entries(config)) {
    if (!DISK_KEY.test(key) || typeof value !== 'string' || value.includes('media=cdrom')) continue;
    const volid = value.split(',')[0] ?? '';
    const colon = volid.indexOf(':');
    if (colon <= 0) continue;
    const id = volid.slice(0, colon);
    const info = storages.find((storage) => storage.storage === id);
    const pathBased = PATH_TYPES.has(info?.type ?? '');
    if (info?.shared === 1) {
      if (!shared || pathBased) shared = id;
    } else if (!local || pathBased) {
      local = id;
    }
  }
  return { storage: shared ?? local ?? 'local', bytes };
}
