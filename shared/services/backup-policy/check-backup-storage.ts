import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import { type FieldIssue, UnknownReferenceError } from '#shared/domain/errors.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { ProxmoxStorage } from '#shared/domain/proxmox/types.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { checkOffsiteCopy } from './check-offsite-copy.ts';

/**
 * A backup policy's storage must exist with content `backup` on every node of the guests it
 * selects now (from the inventory), as Proxmox lists the node's storages. A node that cannot be
 * asked (offline, unreachable) is not held against the policy: the run checks again, and a
 * guest whose node lacks the storage fails there with Proxmox's text. Throws one 422 naming
 * each node and what is wrong there (or what is wrong with an off-site copy's source); changes
 * nothing.
 */
export async function checkBackupStorage(deps: ServiceDeps, policy: Policy): Promise<void> {
  if (policy.kind !== 'backup' || !policy.backup) return;
  await checkOffsiteCopy(deps, policy);
  const { storage } = policy.backup;
  const guests = await readAllPages<Guest>((cursor) =>
    deps.store.guests.list(policy.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const exclusions = await readAllPages<Exclusion>((cursor) =>
    deps.store.exclusions.list(policy.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const { targets } = selectTargets(policy, guests, exclusions, deps.now());
  const nodes = new Map(targets.map((guest) => [`${guest.clusterId}/${guest.node}`, guest]));
  const issues: FieldIssue[] = [];
  await Promise.all(
    [...nodes.values()].map(async ({ clusterId, node }) => {
      let storages: ProxmoxStorage[];
      try {
        storages = await callProxmox(deps.proxmox, {
          tenantId: policy.tenantId,
          clusterId,
          command: { type: 'listStorages', node },
        });
      } catch {
        return;
      }
      const found = storages.find((entry) => entry.storage === storage);
      if (!found) {
        issues.push({
          path: 'backup.storage',
          rule: 'backup.storage.missing',
          message: `storage '${storage}' does not exist on node '${node}' (cluster ${clusterId})`,
        });
      } else if (!found.content.split(',').includes('backup')) {
        issues.push({
          path: 'backup.storage',
          rule: 'backup.storage.content',
          message: `storage '${storage}' on node '${node}' (cluster ${clusterId}) does not allow content 'backup' (it holds ${found.content || 'nothing'})`,
        });
      }
    }),
  );
  if (issues.length > 0) {
    issues.sort((a, b) => a.message.localeCompare(b.message));
    throw new UnknownReferenceError(issues);
  }
}
