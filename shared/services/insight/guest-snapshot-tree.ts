import type { AuditContext } from '#shared/domain/audit.ts';
import { buildSnapshotTree, type SnapshotTree } from '#shared/domain/insight/snapshot-tree.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { requireGuest } from '../guest-reference.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * The guest's snapshot tree as Proxmox holds it now, each snapshot marked with who made it.
 * Read from Proxmox every time (the tree changes with every rollback); a Proxmox error is the
 * answer (a restore target must not be chosen from a stale tree).
 */
export async function guestSnapshotTree(
  deps: ServiceDeps,
  context: AuditContext,
  reference: string,
): Promise<SnapshotTree & { guestId: string }> {
  const tenantId = context.principal.tenantId;
  const guest = await requireGuest(deps, tenantId, reference);
  if (guest.gone) return { guestId: guest.id, roots: [], snapshots: [], current: {} };
  const [listed, records] = await Promise.all([
    callProxmox(deps.proxmox, {
      tenantId,
      clusterId: guest.clusterId,
      command: { type: 'snapshotTree', node: guest.node, guestType: guest.type, vmid: guest.vmid },
    }),
    deps.store.snapshots.list(tenantId, guest.id),
  ]);
  return {
    guestId: guest.id,
    ...buildSnapshotTree(listed.snapshots, records, listed.currentParent ?? undefined),
  };
}
