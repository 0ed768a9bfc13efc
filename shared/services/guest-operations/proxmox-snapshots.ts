import type { Guest } from '#shared/domain/guest.ts';
import type { SnapshotEntry } from '#shared/domain/proxmox/types.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** The guest's snapshots as Proxmox lists them now (without its `current` pseudo entry). */
export async function snapshotsOnProxmox(deps: ServiceDeps, guest: Guest): Promise<SnapshotEntry[]> {
  return await callProxmox(deps.proxmox, {
    tenantId: guest.tenantId,
    clusterId: guest.clusterId,
    command: { type: 'listSnapshots', node: guest.node, guestType: guest.type, vmid: guest.vmid },
  });
}
