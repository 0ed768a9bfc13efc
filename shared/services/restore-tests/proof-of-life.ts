import { containerProof } from '#shared/domain/restore-test/container-proof.ts';
import type { RestoreTestItem } from '#shared/domain/restore-test/restore-test.ts';

import type { ServiceDeps } from '../service-deps.ts';
import { clusterCaller } from './cluster-call.ts';

/** What one look at a started test guest found: alive (with what answered), or not yet (and why). */
export type LifeSign =
  | { readonly alive: true; readonly output: string }
  | { readonly alive: false; readonly why: string };

/**
 * One look for a proof of life: a container that runs with its init process alive and its
 * configured network devices in its network namespace (see {@link containerProof}: Proxmox's API
 * runs no command in a container); a VM whose QEMU guest agent answers `ping` (QEMU runs whether
 * or not the OS booted, so its status proves nothing).
 */
export async function lookForLife(
  deps: ServiceDeps,
  tenantId: string,
  item: RestoreTestItem & { testVmid: number; testNode: string },
): Promise<LifeSign> {
  const guest = { node: item.testNode, guestType: item.guestType, vmid: item.testVmid };
  const call = clusterCaller(deps.proxmox, tenantId, item.clusterId);
  const status = await call({ type: 'guestStatus', ...guest });
  if (status.status !== 'running') return { alive: false, why: `the guest is ${String(status.status)}` };
  if (item.guestType === 'lxc') {
    try {
      const interfaces = await call({
        type: 'containerInterfaces',
        node: item.testNode,
        vmid: item.testVmid,
      });
      return containerProof(status, interfaces, item.isolation ?? {});
    } catch (error) {
      return { alive: false, why: (error as Error).message };
    }
  }
  try {
    await call({ type: 'agentPing', node: item.testNode, vmid: item.testVmid });
    return { alive: true, output: 'QEMU guest agent: ping answered' };
  } catch (error) {
    // Proxmox's own words: `No QEMU guest agent configured`, `QEMU guest agent is not running`.
    return { alive: false, why: (error as Error).message };
  }
}
