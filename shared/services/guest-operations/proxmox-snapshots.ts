import type { SnapshotEntry } from '#shared/adapters/proxmox/types.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** The guest's snapshots as Proxmox lists them now (without its `current` pseudo entry). */
export async function snapshotsOnProxmox(deps: ServiceDeps, guest: Guest): Promise<SnapshotEntry[]> {
  return (await deps.proxmox.call({
    tenantId: guest.tenantId,
    clusterId: guest.clusterId,
    command: { type: 'listSnapshots', node: guest.node, guestType: guest.type, vmid: guest.vmid },
  })) as SnapshotEntry[];
}
