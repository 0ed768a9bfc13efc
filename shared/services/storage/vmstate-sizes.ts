import type { Cluster } from '#shared/domain/cluster.ts';
import { formatGuestId } from '#shared/domain/guest-id.ts';
import type { VmstateVolume } from '#shared/domain/proxmox/vmstate-volume.ts';
import type { StorageRecord } from '#shared/domain/storage/storage.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * Part of the storage sync: the RAM state volumes on each active storage that holds disk images
 * (`listVmstates`, once for a shared storage), their sizes recorded on the service's snapshot
 * records (Proxmox's snapshot list carries none) and summed on the storage's record. Only state
 * volumes of snapshots the service recorded count; a storage that cannot be listed counts none.
 */
export async function withVmstates(
  deps: ServiceDeps,
  cluster: Cluster,
  records: readonly StorageRecord[],
): Promise<StorageRecord[]> {
  return await Promise.all(
    records.map(async (record) => {
      const node = record.nodes[0];
      if (!record.active || !record.content.includes('images') || !node) return record;
      const volumes = await callProxmox(deps.proxmox, {
        tenantId: cluster.tenantId,
        clusterId: cluster.id,
        command: { type: 'listVmstates', node, storage: record.storage },
      }).catch(() => [] as VmstateVolume[]);
      let bytes = 0;
      let count = 0;
      for (const volume of volumes) {
        if (await recordSize(deps, cluster, record.storage, volume)) {
          bytes += volume.size;
          count++;
        }
      }
      return count > 0 ? { ...record, vmstateBytes: bytes, vmstates: count } : record;
    }),
  );
}

/** Writes the volume's size on its snapshot's record (once, or when it changed): true for a snapshot the service holds. */
async function recordSize(
  deps: ServiceDeps,
  cluster: Cluster,
  storage: string,
  volume: VmstateVolume,
): Promise<boolean> {
  const guestId = formatGuestId({ clusterId: cluster.id, vmid: volume.vmid });
  const snapshot = await deps.store.snapshots.get(cluster.tenantId, guestId, volume.snapname);
  if (!snapshot || snapshot.status === 'deleted') return false;
  if (snapshot.vmstateSize !== volume.size || snapshot.vmstateStorage !== storage)
    await deps.store.snapshots.put({ ...snapshot, vmstateSize: volume.size, vmstateStorage: storage });
  return true;
}
